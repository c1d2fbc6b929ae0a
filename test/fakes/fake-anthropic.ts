/**
 * A fake Anthropic Messages API on 127.0.0.1: `POST /v1/messages`, SSE when `stream: true` (a Message object
 * otherwise). Frames are Anthropic's own: `event: <name>` + `data: <json with the same type>`, message_start
 * (usage with cache_read_input_tokens), a `ping`, then content blocks with their `index` — a `thinking`
 * block (thinking_delta fragments then one signature_delta), a `text` block (text_delta), `tool_use` blocks
 * (input_json_delta fragments) — then message_delta (stop_reason, cumulative output_tokens) and message_stop.
 *
 * Like the real API it answers 401 without `x-api-key` / `anthropic-version`, and 400 (Anthropic's error
 * JSON) for a few request mistakes the real API refuses: no messages, no max_tokens, temperature outside 0–1,
 * a thinking budget below 1024 or not below max_tokens, empty text blocks, a tool_use without its tool_result
 * first in the next user message. Script turn usage: `input` is the total prompt (the fake reports
 * `input - cached` as input_tokens and `cached` as cache_read_input_tokens).
 *
 * `POST /v1/messages/count_tokens` answers `{input_tokens}` (fakeCountTokens), refusing the generation-only
 * fields (max_tokens, stream, temperature…) with Anthropic's "Extra inputs are not permitted".
 *
 * `enqueueSse(frames)` queues a raw scripted stream for cases the shared FakeTurn cannot express
 * (redacted_thinking, a mid-stream `error` event, a stream cut before message_stop).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { echoText, type FakeTurn, type FakeUpstream, type ReceivedRequest } from './fake-turn.js';
import { createFakeServer, listenOnLoopback, writeFrames } from './fake-http.js';

type ReplyTurn = Extract<FakeTurn, { kind: 'reply' }>;
export interface SseFrame { event: string; data: unknown }
type Queued = FakeTurn | { kind: 'raw-sse'; frames: SseFrame[] };

export interface FakeAnthropic extends FakeUpstream {
  /** Queue a raw stream: each frame is written as `event: <event>` / `data: <JSON>` after a 200. */
  enqueueSse(frames: SseFrame[]): void;
}

export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  const received: ReceivedRequest[] = [];
  const queue: Queued[] = [];
  let seq = 0;

  const server = createFakeServer({
    received,
    badJson: (res) => sendError(res, 400, 'invalid_request_error', 'There was an issue with the format of your request: invalid JSON'),
    crash: (res, err) => sendError(res, 500, 'api_error', `fake failed: ${String(err)}`),
    handle,
  });

  async function handle(req: IncomingMessage, res: ServerResponse, body: any, path: string) {
    if (req.method !== 'POST' || (path !== '/v1/messages' && path !== '/v1/messages/count_tokens')) {
      return sendError(res, 404, 'not_found_error', 'Not found');
    }
    if (!req.headers['x-api-key']) return sendError(res, 401, 'authentication_error', 'x-api-key header is required');
    if (!req.headers['anthropic-version']) {
      return sendError(res, 400, 'invalid_request_error', 'anthropic-version: header is required');
    }
    if (path === '/v1/messages/count_tokens') {
      const refused = validateCount(body);
      if (refused) return sendError(res, 400, 'invalid_request_error', refused);
      return sendJson(res, 200, { input_tokens: fakeCountTokens(body) });
    }
    const invalid = validate(body);
    if (invalid) return sendError(res, 400, 'invalid_request_error', invalid);

    const turn: Queued = queue.shift() ?? { kind: 'reply', text: echoText(lastUserText(body.messages)) };
    const id = `msg_fake${++seq}`;
    const model = String(body.model);
    switch (turn.kind) {
      case 'error': {
        const errorBody = turn.body ?? errorJson(errorTypeFor(turn.status), turn.message ?? `fake upstream error ${turn.status}`);
        return sendJson(res, turn.status, errorBody, turn.headers);
      }
      case 'hang':
        return; // never answered; close() destroys the socket
      case 'drop-mid-stream': {
        res.writeHead(200, sseHeaders(id));
        const frames = [
          frame('message_start', { type: 'message_start', message: messageShell(id, model, { input: 10, output: 1 }) }),
          frame('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
          ...split(turn.text, 4).map((t) => frame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: t } })),
        ];
        res.write(frames.join(''), () => res.destroy());
        return;
      }
      case 'raw-sse':
        res.writeHead(200, sseHeaders(id));
        res.end(turn.frames.map((f) => frame(f.event, f.data)).join(''));
        return;
      case 'reply': {
        const reply = renderReply(turn, id, model, body, seq);
        if (body.stream !== true) return sendJson(res, 200, reply.message);
        res.writeHead(200, sseHeaders(id));
        await writeFrames(res, reply.frames, turn.delayMs);
      }
    }
  }

  const { baseUrl, close } = await listenOnLoopback(server, '/v1');
  return {
    baseUrl,
    received,
    enqueue: (...turns) => { queue.push(...turns); },
    enqueueSse: (frames) => { queue.push({ kind: 'raw-sse', frames }); },
    close,
  };
}

/** The SSE frames of a scripted reply, and the Message object a non-streaming call would get. */
function renderReply(turn: ReplyTurn, id: string, model: string, body: any, seq: number) {
  const size = turn.chunkSize ?? 4;
  const frames: string[] = [];
  const content: Record<string, unknown>[] = [];
  const usage = usageOf(turn, body);
  frames.push(frame('message_start', { type: 'message_start', message: messageShell(id, model, { ...usage, output: 1 }) }));
  frames.push(frame('ping', { type: 'ping' }));

  const delta = (index: number, d: Record<string, unknown>) => frame('content_block_delta', { type: 'content_block_delta', index, delta: d });
  const start = (index: number, block: Record<string, unknown>) => frame('content_block_start', { type: 'content_block_start', index, content_block: block });
  const stop = (index: number) => frame('content_block_stop', { type: 'content_block_stop', index });

  if (turn.reasoning !== undefined || turn.reasoningSignature !== undefined) {
    const index = content.length;
    const thinking = turn.reasoning ?? '';
    const signature = turn.reasoningSignature ?? Buffer.from(`fake-signature:${thinking}`).toString('base64');
    frames.push(start(index, { type: 'thinking', thinking: '', signature: '' }));
    for (const piece of split(thinking, size)) frames.push(delta(index, { type: 'thinking_delta', thinking: piece }));
    frames.push(delta(index, { type: 'signature_delta', signature }));
    frames.push(stop(index));
    content.push({ type: 'thinking', thinking, signature });
  }
  // Anthropic has no refusal part: a refusal is text with stop_reason "refusal".
  const text = (turn.text ?? '') + (turn.refusal ?? '');
  if (text) {
    const index = content.length;
    frames.push(start(index, { type: 'text', text: '' }));
    for (const piece of split(text, size)) frames.push(delta(index, { type: 'text_delta', text: piece }));
    frames.push(stop(index));
    content.push({ type: 'text', text, citations: null });
  }
  (turn.toolCalls ?? []).forEach((call, i) => {
    const index = content.length;
    const toolId = call.id ?? `toolu_fake${seq}_${i}`;
    frames.push(start(index, { type: 'tool_use', id: toolId, name: call.name, input: {} }));
    frames.push(delta(index, { type: 'input_json_delta', partial_json: '' }));
    for (const piece of split(call.arguments, size)) frames.push(delta(index, { type: 'input_json_delta', partial_json: piece }));
    frames.push(stop(index));
    content.push({ type: 'tool_use', id: toolId, name: call.name, input: safeParse(call.arguments) });
  });

  const stopReason = stopReasonOf(turn);
  frames.push(frame('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: usage.output },
  }));
  frames.push(frame('message_stop', { type: 'message_stop' }));

  const message = { ...messageShell(id, model, usage), content, stop_reason: stopReason };
  return { frames, message };
}

function messageShell(id: string, model: string, u: { input: number; output: number; cached?: number }) {
  const cached = u.cached ?? 0;
  return {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: {
      input_tokens: Math.max(0, u.input - cached),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: cached,
      output_tokens: u.output,
      service_tier: 'standard',
    },
  };
}

function usageOf(turn: ReplyTurn, body: any): { input: number; output: number; cached: number } {
  const input = turn.usage?.input ?? Math.ceil(JSON.stringify(body?.messages ?? []).length / 4);
  const produced = (turn.reasoning ?? '') + (turn.text ?? '') + (turn.refusal ?? '') +
    (turn.toolCalls ?? []).map((c) => c.name + c.arguments).join('');
  return { input, output: turn.usage?.output ?? Math.ceil(produced.length / 4), cached: turn.usage?.cached ?? 0 };
}

function stopReasonOf(turn: ReplyTurn): string {
  const finish = turn.finish ?? (turn.toolCalls?.length ? 'tool_calls' : turn.refusal ? 'content_filter' : 'stop');
  return { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use', content_filter: 'refusal' }[finish];
}

/** A few of the request checks the real API makes; returns the error message or null. */
function validate(body: any): string | null {
  if (!body || typeof body !== 'object') return 'request body must be a JSON object';
  if (typeof body.model !== 'string' || !body.model) return 'model: Field required';
  if (typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: at least one message is required';
  if (body.temperature !== undefined && (body.temperature < 0 || body.temperature > 1)) {
    return 'temperature: Input should be less than or equal to 1';
  }
  if (body.thinking?.type === 'enabled') {
    const budget = body.thinking.budget_tokens;
    if (typeof budget !== 'number' || budget < 1024) return 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024';
    if (budget >= body.max_tokens) return '`max_tokens` must be greater than `thinking.budget_tokens`';
  }
  return validateMessages(body.messages);
}

/** Fields `POST /v1/messages/count_tokens` takes; anything else (max_tokens, stream, temperature…) is refused. */
const COUNT_FIELDS = new Set(['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'output_config', 'cache_control']);

/** The count endpoint's checks: its own field set, then the same message rules as create. */
function validateCount(body: any): string | null {
  if (!body || typeof body !== 'object') return 'request body must be a JSON object';
  for (const key of Object.keys(body)) if (!COUNT_FIELDS.has(key)) return `${key}: Extra inputs are not permitted`;
  if (typeof body.model !== 'string' || !body.model) return 'model: Field required';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: at least one message is required';
  if (body.thinking?.type === 'enabled' && !(body.thinking.budget_tokens >= 1024)) {
    return 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024';
  }
  return validateMessages(body.messages);
}

/** The fake's deterministic count: a quarter of the JSON length of system + messages + tools. */
export function fakeCountTokens(body: any): number {
  return Math.max(1, Math.ceil(JSON.stringify([body.system ?? null, body.messages, body.tools ?? null]).length / 4));
}

function validateMessages(messages: any[]): string | null {
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (m.role !== 'user' && m.role !== 'assistant') return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
    if (!Array.isArray(blocks) || blocks.length === 0) return `messages.${i}: all messages must have non-empty content`;
    for (const b of blocks) {
      if (b?.type === 'text' && !b.text) return `messages.${i}: text content blocks must be non-empty`;
    }
    const toolUses = m.role === 'assistant' ? blocks.filter((b: any) => b?.type === 'tool_use').map((b: any) => String(b.id)) : [];
    if (toolUses.length > 0) {
      const next = messages[i + 1];
      const nextBlocks: any[] = Array.isArray(next?.content) ? next.content : [];
      const leading = nextBlocks.slice(0, toolUses.length);
      const ok = next?.role === 'user' && leading.every((b) => b?.type === 'tool_result') &&
        toolUses.every((id: string) => leading.some((b) => b.tool_use_id === id));
      if (!ok) {
        return `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${toolUses.join(', ')}. ` +
          'Each `tool_use` block must have a corresponding `tool_result` block in the next message.';
      }
    }
  }
  return null;
}

/** The text of the last user message: its text blocks, else the text of its tool results. */
function lastUserText(messages: any[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    const blocks: any[] = Array.isArray(m.content) ? m.content : [];
    const texts = blocks.filter((b) => b?.type === 'text').map((b) => String(b.text));
    if (texts.length) return texts.join('\n');
    return blocks.filter((b) => b?.type === 'tool_result').map((b) =>
      typeof b.content === 'string' ? b.content : (b.content ?? []).filter((c: any) => c?.type === 'text').map((c: any) => c.text).join('\n'),
    ).join('\n');
  }
  return '';
}

function errorTypeFor(status: number): string {
  switch (status) {
    case 400: return 'invalid_request_error';
    case 401: return 'authentication_error';
    case 402: return 'billing_error';
    case 403: return 'permission_error';
    case 404: return 'not_found_error';
    case 413: return 'request_too_large';
    case 429: return 'rate_limit_error';
    case 529: return 'overloaded_error';
    default: return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

function errorJson(type: string, message: string) {
  return { type: 'error', error: { type, message }, request_id: 'req_fake' };
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function split(text: string, size: number): string[] {
  const out: string[] = [];
  const step = Math.max(1, size);
  for (let i = 0; i < text.length; i += step) out.push(text.slice(i, i + step));
  return out;
}

function safeParse(args: string): unknown {
  try {
    return JSON.parse(args);
  } catch {
    return {};
  }
}

function sseHeaders(id: string): Record<string, string> {
  return { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': `req_${id}` };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'request-id': 'req_fake', ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, type: string, message: string) {
  sendJson(res, status, errorJson(type, message));
}

