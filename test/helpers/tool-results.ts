/**
 * What a fake upstream model was told as tool results, read from the request body in its vendor's own format:
 * Chat Completions `role: "tool"` messages, Anthropic `tool_result` blocks, Gemini `functionResponse` parts.
 */
export interface ToolResultSeen { callId: string; text: string }

export function toolResultsIn(kind: 'chat' | 'anthropic' | 'gemini', body: any): ToolResultSeen[] {
  if (kind === 'chat') {
    return (body?.messages ?? []).filter((m: any) => m.role === 'tool').map((m: any) => ({ callId: String(m.tool_call_id), text: textOf(m.content) }));
  }
  if (kind === 'anthropic') {
    const out: ToolResultSeen[] = [];
    for (const m of body?.messages ?? []) {
      if (!Array.isArray(m.content)) continue;
      for (const b of m.content) if (b?.type === 'tool_result') out.push({ callId: String(b.tool_use_id), text: textOf(b.content) });
    }
    return out;
  }
  const out: ToolResultSeen[] = [];
  for (const c of body?.contents ?? []) {
    for (const p of c.parts ?? []) if (p.functionResponse) out.push({ callId: String(p.functionResponse.id ?? p.functionResponse.name), text: JSON.stringify(p.functionResponse.response) });
  }
  return out;
}

/** Names of the tools (functions) a fake model was offered. */
export function toolNamesIn(kind: 'chat' | 'anthropic' | 'gemini', body: any): string[] {
  if (kind === 'chat') return (body?.tools ?? []).map((t: any) => String(t.function?.name));
  if (kind === 'anthropic') return (body?.tools ?? []).map((t: any) => String(t.name));
  return (body?.tools ?? []).flatMap((t: any) => (t.functionDeclarations ?? []).map((f: any) => String(f.name)));
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((c: any) => (typeof c === 'string' ? c : c?.text ?? JSON.stringify(c))).join('');
  return JSON.stringify(content);
}

/** `order` appears in `types` as a subsequence: each after the one before it (other events may come between). */
export function assertInOrder(types: string[], order: string[]): void {
  let at = -1;
  for (const t of order) {
    const next = types.indexOf(t, at + 1);
    if (next <= at) throw new Error(`${t} expected after position ${at} in ${types.join(', ')}`);
    at = next;
  }
}
