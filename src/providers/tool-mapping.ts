/**
 * Tools as function-calling vendors see them. Responses tools come in more shapes than "function":
 * Codex sends `namespace` groups of functions and `custom` (free-form / grammar) tools. Vendors that only
 * know functions get a flat list; calls coming back are mapped to the item the client expects
 * (`function_call` with `namespace`, or `custom_tool_call` with `input`). History items go the other way.
 */
import { ApiError } from '../api/errors.js';
import type { Tool } from '../api/create-params.js';
import type { Item } from '../api/items.js';

export interface FlatFunction {
  /** The name the vendor sees (namespace functions: `<namespace>__<name>`). */
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
  strict?: boolean;
}

/** The tool types function-calling vendors can take (after flattening). */
export const FUNCTION_TOOL_TYPES: ReadonlySet<string> = new Set(['function', 'namespace', 'custom']);

export interface ToolOrigin { kind: 'function' | 'custom'; name: string; namespace?: string }

export interface FlattenedTools {
  functions: FlatFunction[];
  /** flat name → what the client declared. */
  origins: Map<string, ToolOrigin>;
  /** Indices (into the request's `tools`) that were dropped because the provider cannot run them. */
  dropped: number[];
}

const NAMESPACE_SEP = '__';

const CUSTOM_INPUT_SCHEMA = {
  type: 'object',
  properties: { input: { type: 'string', description: 'The raw input for this tool, in the format its description requires.' } },
  required: ['input'],
  additionalProperties: false,
};

/**
 * Flattens function, namespace and custom tools. Any other tool type (web_search, file_search, mcp…) is a
 * hosted tool the vendor cannot run: the service leaves those out before a request reaches an adapter
 * (responses/hosted-tools.ts); one that arrives anyway is a 400 `unsupported_parameter` naming it, or dropped
 * when `dropUnsupported`.
 */
export function flattenTools(tools: Tool[] | null | undefined, dropUnsupported: boolean, provider: string): FlattenedTools {
  const out: FlattenedTools = { functions: [], origins: new Map(), dropped: [] };
  (tools ?? []).forEach((tool, i) => {
    const t = tool as Record<string, unknown>;
    if (t.type === 'function') {
      addFunction(out, t, undefined);
    } else if (t.type === 'namespace') {
      const ns = String(t.name);
      for (const inner of (t.tools as Record<string, unknown>[] | undefined) ?? []) {
        if (inner.type === 'function') addFunction(out, inner, ns);
      }
    } else if (t.type === 'custom') {
      const name = String(t.name);
      const format = t.format as Record<string, unknown> | undefined;
      let description = typeof t.description === 'string' ? t.description : '';
      if (format && format.type === 'grammar') {
        description += `\n\nThe input must match this ${String(format.syntax)} grammar:\n${String(format.definition)}`;
      }
      out.functions.push({ name, description: description || undefined, parameters: CUSTOM_INPUT_SCHEMA });
      out.origins.set(name, { kind: 'custom', name });
    } else if (dropUnsupported) {
      out.dropped.push(i);
    } else {
      throw new ApiError(400, `Tool type '${String(t.type)}' is not supported by provider '${provider}'.`, {
        param: `tools[${i}].type`,
        code: 'unsupported_parameter',
      });
    }
  });
  return out;
}

function addFunction(out: FlattenedTools, t: Record<string, unknown>, namespace: string | undefined) {
  const name = String(t.name);
  const flat = namespace ? `${namespace}${NAMESPACE_SEP}${name}` : name;
  out.functions.push({
    name: flat,
    description: typeof t.description === 'string' ? t.description : undefined,
    parameters: (t.parameters as Record<string, unknown> | null | undefined) ?? { type: 'object', properties: {} },
    strict: typeof t.strict === 'boolean' ? t.strict : undefined,
  });
  out.origins.set(flat, namespace ? { kind: 'function', name, namespace } : { kind: 'function', name });
}

/** The `tool-call-start` fields for a call the vendor made to flat function `flatName`. */
export function originOf(tools: FlattenedTools, flatName: string): ToolOrigin {
  return tools.origins.get(flatName) ?? { kind: 'function', name: flatName };
}

/** Decodes a custom tool's arguments (`{"input":"…"}`) back to its raw input text. */
export function customInputFromArguments(args: string): string {
  try {
    const parsed = JSON.parse(args) as { input?: unknown };
    if (typeof parsed.input === 'string') return parsed.input;
  } catch {
    /* not JSON: the model answered with the raw text */
  }
  return args;
}

/** A history item that is a tool call, as the vendor's flat function call. */
export function historyCallAsFunction(item: Item): { callId: string; name: string; arguments: string } | null {
  if (item.type === 'function_call') {
    const ns = typeof item.namespace === 'string' && item.namespace ? `${item.namespace}${NAMESPACE_SEP}` : '';
    return { callId: String(item.call_id), name: ns + String(item.name), arguments: String(item.arguments ?? '') };
  }
  if (item.type === 'custom_tool_call') {
    return { callId: String(item.call_id), name: String(item.name), arguments: JSON.stringify({ input: String(item.input ?? '') }) };
  }
  return null;
}

/** A history item that is a tool result, as text or content parts for the vendor. */
export function historyResult(item: Item): { callId: string; output: unknown } | null {
  if (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') {
    return { callId: String(item.call_id), output: item.output };
  }
  return null;
}

/** The vendor-facing name of a tool reference (`{type, name, namespace?}`), as flattenTools names it. */
export function flatNameOf(entry: Record<string, unknown>): string {
  const name = String(entry.name);
  return typeof entry.namespace === 'string' && entry.namespace ? `${entry.namespace}${NAMESPACE_SEP}${name}` : name;
}

/** `allowed_tools` entries name functions (optionally with a namespace), custom tools, or whole namespaces. */
/** A `tool_choice` of a type the provider has no equivalent for (unless it is configured to drop it). */
export function unsupportedToolChoice(type: unknown, provider: string): ApiError {
  return new ApiError(400, `tool_choice type '${String(type)}' is not supported by provider '${provider}'.`, {
    param: 'tool_choice.type',
    code: 'unsupported_parameter',
  });
}

export function allowedFlatNames(flat: FlattenedTools, entries: Record<string, unknown>[]): Set<string> {
  const names = new Set<string>();
  for (const entry of entries) {
    if (entry.type === 'function' || entry.type === 'custom') {
      names.add(flatNameOf(entry));
    } else if (entry.type === 'namespace') {
      for (const [flatName, origin] of flat.origins) {
        if (origin.namespace === entry.name) names.add(flatName);
      }
    }
  }
  return names;
}
