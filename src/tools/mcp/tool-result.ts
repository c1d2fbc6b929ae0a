/** MCP wire shapes → the shapes of OpenAI's mcp_list_tools / mcp_call items. */

export interface McpToolInfo {
  name: string;
  description?: string | null;
  input_schema: Record<string, unknown>;
  annotations?: Record<string, unknown> | null;
}

export type McpCallResult = { ok: true; output: string } | { ok: false; error: string };

export function toToolInfo(tool: { name: string; description?: string; inputSchema: unknown; annotations?: unknown }): McpToolInfo {
  return {
    name: tool.name,
    description: tool.description ?? null,
    input_schema: (tool.inputSchema ?? { type: 'object' }) as Record<string, unknown>,
    annotations: (tool.annotations as Record<string, unknown> | undefined) ?? null,
  };
}

/**
 * A listed tool as an `mcp_list_tools` item shows it: `description` and `annotations` left out when the server
 * gave none, rather than null. OpenAI's types allow null, but the Vercel AI SDK (@ai-sdk/openai 3.x) parses both
 * as optional-not-nullable and rejects the whole Response ("Invalid JSON response") on a null.
 */
export function shownToolInfo(tool: McpToolInfo): McpToolInfo {
  const { description, annotations, ...rest } = tool;
  return { ...rest, ...(description != null ? { description } : {}), ...(annotations != null ? { annotations } : {}) };
}

/**
 * A tools/call result as one string: text blocks joined by newlines, any other block (image, audio, resource)
 * as its JSON; with no content, the structured content (or a pre-2024-11 `toolResult`) as JSON.
 * `isError` makes the same text the error.
 */
export function toCallResult(result: Record<string, unknown>): McpCallResult {
  const content = Array.isArray(result.content) ? (result.content as Record<string, unknown>[]) : [];
  let text = content.map((block) => (block?.type === 'text' && typeof block.text === 'string' ? block.text : JSON.stringify(block))).join('\n');
  if (!content.length) {
    if (result.structuredContent !== undefined) text = JSON.stringify(result.structuredContent);
    else if (result.toolResult !== undefined) text = JSON.stringify(result.toolResult);
  }
  if (result.isError === true) return { ok: false, error: text || 'The tool reported an error without a message.' };
  return { ok: true, output: text };
}
