/**
 * A fake OpenAI Chat Completions server on 127.0.0.1: `POST /v1/chat/completions` (SSE when `stream: true`,
 * a `chat.completion` object otherwise) and `GET /v1/models`. Chunks are shaped like OpenAI's own: the first
 * delta carries `role`, a tool call's first chunk carries id/type/name with `arguments: ""` and later chunks
 * only `index` + argument fragments, the finish chunk has an empty delta, and with
 * `stream_options.include_usage` every chunk has `usage: null` and a last `choices: []` chunk has the usage.
 * Reasoning goes out as `delta.reasoning_content` (the DeepSeek / vLLM convention).
 *
 * Also used by the benchmark: no sleeps unless a turn asks for `delayMs`, keep-alive on, one write per stream.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { echoText, type FakeToolCall, type FakeTurn, type FakeUpstream, type ReceivedRequest } from './fake-turn.js';
import { createFakeServer, listenOnLoopback, writeFrames } from './fake-http.js';

type ReplyTurn = Extract<FakeTurn, { kind: 'reply' }>;

export async function startFakeChatCompletions(): Promise<FakeUpstream> {
  const received: ReceivedRequest[] = [];
  const queue: FakeTurn[] = [];
  let seq = 0;

  const server = createFakeServer({
    received,
    badJson: (res) => sendError(res, 400, 'We could not parse the JSON body of your request.'),
    crash: (res, err) => sendError(res, 500, `fake failed: ${String(err)}`),
    handle,
  });

  async function handle(req: IncomingMessage, res: ServerResponse, body: any, path: string, raw: string) {
    if (req.method === 'GET' && path === '/v1/models') {
      return sendJson(res, 200, {
        object: 'list',
        data: [{ id: 'fake-chat-model', object: 'model', created: 1_700_000_000, owned_by: 'fake' }],
      });
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      return sendError(res, 404, `Unknown request URL: ${req.method} ${path}.`, 'unknown_url');
    }

    const turn: FakeTurn = queue.shift() ?? { kind: 'reply', text: echoText(lastUserText(body?.messages)) };
    const id = `chatcmpl-fake${++seq}`;
    switch (turn.kind) {
      case 'error': {
        const errorBody = turn.body ?? openAIErrorBody(turn.status, turn.message);
        return sendJson(res, turn.status, errorBody, turn.headers);
      }
      case 'hang':
        return; // never answered; close() destroys the socket
      case 'drop-mid-stream': {
        res.writeHead(200, sseHeaders(id));
        const frames = textFrames(chunkFactory(id, String(body?.model ?? ''), false), turn.text, 4);
        res.write(frames.join(''), () => res.destroy());
        return;
      }
      case 'reply':
        if (body?.stream === true) return streamReply(res, turn, id, body, raw.length);
        return sendJson(res, 200, completionObject(turn, id, body, seq, raw.length));
    }
  }

  async function streamReply(res: ServerResponse, turn: ReplyTurn, id: string, body: any, bodyChars: number) {
    const includeUsage = body?.stream_options?.include_usage === true;
    const chunk = chunkFactory(id, String(body?.model ?? ''), includeUsage);
    const size = turn.chunkSize ?? 4;
    const calls = (turn.toolCalls ?? []).map((c, i) => ({ ...c, id: c.id ?? `call_fake${seq}_${i}` }));

    const frames: string[] = [chunk({ role: 'assistant', content: turn.text ? '' : null, refusal: null })];
    for (const piece of split(turn.reasoning ?? '', size)) frames.push(chunk({ reasoning_content: piece }));
    frames.push(...textFrames(chunk, turn.text ?? '', size, true));
    for (const piece of split(turn.refusal ?? '', size)) frames.push(chunk({ refusal: piece }));
    calls.forEach((call, index) => {
      frames.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }));
      for (const piece of split(call.arguments, size)) frames.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    });
    frames.push(chunk({}, finishOf(turn)));
    if (includeUsage) frames.push(chunk(null, null, usageOf(turn, bodyChars)));
    frames.push('data: [DONE]\n\n');

    res.writeHead(200, sseHeaders(id));
    await writeFrames(res, frames, turn.delayMs);
  }

  const { baseUrl, close } = await listenOnLoopback(server, '/v1');
  return {
    baseUrl,
    received,
    enqueue: (...turns) => { queue.push(...turns); },
    close,
  };
}

type ChunkFn = (delta: Record<string, unknown> | null, finish?: string | null, usage?: unknown) => string;

/** `delta: null` makes the trailing usage chunk (`choices: []`). */
function chunkFactory(id: string, model: string, includeUsage: boolean): ChunkFn {
  const created = Math.floor(Date.now() / 1000);
  return (delta, finish = null, usage = null) => {
    const chunk: Record<string, unknown> = {
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      service_tier: 'default',
      system_fingerprint: 'fp_fake',
      choices: delta ? [{ index: 0, delta, logprobs: null, finish_reason: finish }] : [],
    };
    if (includeUsage) chunk.usage = usage;
    return `data: ${JSON.stringify(chunk)}\n\n`;
  };
}

function textFrames(chunk: ChunkFn, text: string, size: number, skipRole = false): string[] {
  const frames = skipRole ? [] : [chunk({ role: 'assistant', content: '', refusal: null })];
  for (const piece of split(text, size)) frames.push(chunk({ content: piece }));
  return frames;
}

function split(text: string, size: number): string[] {
  const out: string[] = [];
  const step = Math.max(1, size);
  for (let i = 0; i < text.length; i += step) out.push(text.slice(i, i + step));
  return out;
}

function finishOf(turn: ReplyTurn): string {
  return turn.finish ?? (turn.toolCalls?.length ? 'tool_calls' : 'stop');
}

/** Without scripted usage, ~4 characters of request body per prompt token (a fake's estimate; cheap on long bodies). */
function usageOf(turn: ReplyTurn, bodyChars: number) {
  const input = turn.usage?.input ?? Math.ceil(bodyChars / 4);
  const reasoning = turn.usage?.reasoning ?? Math.ceil((turn.reasoning ?? '').length / 4);
  const produced = (turn.text ?? '') + (turn.refusal ?? '') + (turn.toolCalls ?? []).map((c) => c.name + c.arguments).join('');
  const output = turn.usage?.output ?? Math.ceil(produced.length / 4) + reasoning;
  return {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: input + output,
    prompt_tokens_details: { cached_tokens: turn.usage?.cached ?? 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: reasoning, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function completionObject(turn: ReplyTurn, id: string, body: any, seq: number, bodyChars: number) {
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: turn.text ?? null,
    refusal: turn.refusal ?? null,
    annotations: [],
  };
  if (turn.reasoning) message.reasoning_content = turn.reasoning;
  const calls = turn.toolCalls ?? [];
  if (calls.length) {
    message.tool_calls = calls.map((c: FakeToolCall, i) => ({
      id: c.id ?? `call_fake${seq}_${i}`, type: 'function', function: { name: c.name, arguments: c.arguments },
    }));
  }
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: String(body?.model ?? ''),
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishOf(turn) }],
    usage: usageOf(turn, bodyChars),
    service_tier: 'default',
    system_fingerprint: 'fp_fake',
  };
}

/** The text of the last user message (string content, or its text parts). */
function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return '';
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as { role?: string; content?: unknown };
    if (m?.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) {
      return m.content.filter((p: any) => p?.type === 'text').map((p: any) => String(p.text)).join('\n');
    }
    return '';
  }
  return '';
}

function openAIErrorBody(status: number, message?: string) {
  const [type, code] =
    status === 401 ? ['invalid_request_error', 'invalid_api_key'] :
    status === 404 ? ['invalid_request_error', 'model_not_found'] :
    status === 429 ? ['requests', 'rate_limit_exceeded'] :
    status >= 500 ? ['server_error', null] :
    ['invalid_request_error', null];
  return { error: { message: message ?? `fake upstream error ${status}`, type, param: null, code } };
}

function sseHeaders(id: string): Record<string, string> {
  return { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': `req_${id}` };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string, code: string | null = null) {
  sendJson(res, status, { error: { message, type: 'invalid_request_error', param: null, code } });
}

