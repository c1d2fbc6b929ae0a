/**
 * A fake OpenAI Responses API (`POST /v1/responses`) over real HTTP, rendering FakeTurns in OpenAI's true wire
 * format: `event: <type>\ndata: <json>\n\n` frames with `sequence_number` from 0, in the order the real API
 * sends them (response.created, response.in_progress, output_item.added, content_part.added, deltas, .done
 * events, output_item.done, …, response.completed | response.incomplete), or the Response JSON when `stream`
 * is not true. Errors use OpenAI's `{"error":{message,type,param,code}}` body. `POST /v1/responses/input_tokens`
 * answers `{object: 'response.input_tokens', input_tokens}` (fakeInputTokenCount) and refuses create-only fields.
 *
 * It also checks what the real API checks and a stateless caller can get wrong: unknown top-level parameters,
 * `reasoning.encrypted_content` asked of a non-reasoning model, reasoning items that need a server-side lookup
 * under `store: false`, and encrypted reasoning replayed under another item id.
 */
import type http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { FakeToolCall, FakeTurn, FakeUpstream, ReceivedRequest } from './fake-turn.js';
import { echoText } from './fake-turn.js';
import { createFakeServer, listenOnLoopback } from './fake-http.js';
import { checkHostedInput, planHostedTurn, type HostedTurn } from './fake-responses-hosted.js';

type Json = Record<string, any>;

/** Turns only this fake understands, on top of the shared script. */
export type ResponsesFakeTurn =
  | FakeTurn
  /** Streams `text` (if any) in a message, then `response.failed` with OpenAI's error object. */
  | { kind: 'failed'; text?: string; code?: string; message?: string }
  /**
   * Sends `response.created` + `response.in_progress`, then these events verbatim (`sequence_number` added),
   * then `response.completed` (output = the items of the `output_item.done` events) unless `complete` is false.
   * An entry `{ raw: '…' }` is written to the stream as is (a broken line, a `[DONE]` sentinel).
   */
  | { kind: 'events'; events: Json[]; complete?: boolean }
  /** OpenAI running its hosted tools, then a cited answer (fake-responses-hosted.ts); streamed or as JSON. */
  | HostedTurn;

export interface FakeResponsesOptions {
  /** Models answering 400 to `include: ["reasoning.encrypted_content"]`, besides the gpt-4* / gpt-3.5* families. */
  nonReasoningModels?: string[];
  /** Reject replayed encrypted_content this fake did not issue (as OpenAI does). Default false. */
  strictEncryptedContent?: boolean;
}

export interface FakeResponses extends FakeUpstream {
  enqueue(...turns: ResponsesFakeTurn[]): void;
}

/** Top-level keys OpenAI's create endpoint knows (openai 6.x ResponseCreateParamsBase + ResponsesClientEvent). */
const KNOWN_PARAMS = new Set([
  'background', 'context_management', 'conversation', 'include', 'input', 'instructions', 'max_output_tokens',
  'max_tool_calls', 'metadata', 'model', 'parallel_tool_calls', 'previous_response_id', 'prompt',
  'prompt_cache_key', 'prompt_cache_retention', 'reasoning', 'safety_identifier', 'service_tier', 'store',
  'stream', 'stream_options', 'temperature', 'text', 'tool_choice', 'tools', 'top_logprobs', 'top_p',
  'truncation', 'user',
]);

/** Top-level keys of `POST /v1/responses/input_tokens` (openai 6.x InputTokenCountParams). */
const COUNT_PARAMS = new Set([
  'conversation', 'input', 'instructions', 'model', 'parallel_tool_calls', 'previous_response_id', 'reasoning',
  'text', 'tool_choice', 'tools', 'truncation',
]);

/** The fake's deterministic input-token count: a quarter of the JSON length of instructions + input + tools. */
export function fakeInputTokenCount(body: any): number {
  return Math.max(1, Math.ceil(JSON.stringify([body.instructions ?? null, body.input ?? null, body.tools ?? null]).length / 4));
}

const ENCRYPTED = 'reasoning.encrypted_content';
/** Issued blobs look like OpenAI's (Fernet tokens start `gAAAAA`) and carry the item id they belong to. */
const BLOB_PREFIX = 'gAAAAAB';

export async function startFakeResponses(options: FakeResponsesOptions = {}): Promise<FakeResponses> {
  const received: ReceivedRequest[] = [];
  const queue: ResponsesFakeTurn[] = [];
  const issuedBlobs = new Set<string>();

  // A body that is not JSON is passed on as text; validate() answers it like OpenAI does.
  const server = createFakeServer({
    received,
    withQuery: true,
    crash: (res, err) => sendError(res, 500, { message: String(err), type: 'server_error' }),
    handle,
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, body: any): Promise<void> {
    if (req.method === 'POST' && req.url?.split('?')[0] === '/v1/responses/input_tokens') return countInputTokens(res, body);
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v1/responses') {
      return sendError(res, 404, { message: `Invalid URL (${req.method} ${req.url})`, type: 'invalid_request_error' });
    }
    const invalid = validate(body);
    if (invalid) return sendError(res, invalid.status, invalid.error);

    const turn: ResponsesFakeTurn = queue.shift() ?? { kind: 'reply', text: echoText(lastUserText(body.input)) };
    if (turn.kind === 'hang') return; // closeAllConnections() in close() ends it
    if (turn.kind === 'error') {
      const headers = { 'x-request-id': requestId(), ...(turn.headers ?? {}) };
      const errorBody = turn.body ?? { error: defaultError(turn.status, turn.message) };
      res.writeHead(turn.status, { 'content-type': 'application/json', ...headers });
      res.end(typeof errorBody === 'string' ? errorBody : JSON.stringify(errorBody));
      return;
    }

    const response = baseResponse(body);
    if (turn.kind === 'reply' && body.stream !== true) {
      const plan = planReply(turn, body, issuedBlobs);
      finishResponse(response, plan.items, turn, plan.usage);
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': requestId() });
      res.end(JSON.stringify(response));
      return;
    }
    if (turn.kind === 'hosted' && body.stream !== true) {
      finishResponse(response, planHostedTurn(turn, body).items, turn, undefined);
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': requestId() });
      res.end(JSON.stringify(response));
      return;
    }
    if (body.stream !== true) {
      return sendError(res, 400, { message: `The fake only streams '${turn.kind}' turns.`, type: 'invalid_request_error' });
    }

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-request-id': requestId(),
    });
    const sse = new SseWriter(res, turn.kind === 'reply' ? (turn.delayMs ?? 0) : 0, body.stream_options?.include_obfuscation !== false);
    await sse.send('response.created', { response: { ...response } });
    await sse.send('response.in_progress', { response: { ...response } });

    if (turn.kind === 'reply') {
      const plan = planReply(turn, body, issuedBlobs);
      for (const [index, item] of plan.items.entries()) await streamItem(sse, item, index, turn.chunkSize ?? 4);
      finishResponse(response, plan.items, turn, plan.usage);
      await sse.send(response.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response });
      res.end();
    } else if (turn.kind === 'drop-mid-stream') {
      await streamMessageStart(sse, turn.text, 0);
      res.socket?.destroy();
    } else if (turn.kind === 'failed') {
      if (turn.text) await streamMessageStart(sse, turn.text, 0);
      response.status = 'failed';
      response.error = {
        code: turn.code ?? 'server_error',
        message: turn.message ?? 'An error occurred while processing your request.',
      };
      await sse.send('response.failed', { response });
      res.end();
    } else if (turn.kind === 'hosted') {
      const plan = planHostedTurn(turn, body);
      for (const { type, ...rest } of plan.events) await sse.send(String(type), rest, String(type).endsWith('.delta'));
      finishResponse(response, plan.items, turn, undefined);
      await sse.send('response.completed', { response });
      res.end();
    } else if (turn.kind === 'events') {
      const output: Json[] = [];
      for (const event of turn.events) {
        if (typeof event.raw === 'string') { sse.raw(event.raw); continue; }
        const { type, ...rest } = event;
        await sse.send(String(type), rest);
        if (type === 'response.output_item.done') output.push(event.item);
      }
      if (turn.complete !== false) {
        finishResponse(response, output, { kind: 'reply' }, undefined);
        await sse.send('response.completed', { response });
      }
      res.end();
    }
  }

  /** `POST /v1/responses/input_tokens`: the count endpoint's own fields only, then the create checks on input. */
  function countInputTokens(res: http.ServerResponse, body: any): void {
    for (const key of Object.keys(body && typeof body === 'object' ? body : {})) {
      if (!COUNT_PARAMS.has(key)) {
        return sendError(res, 400, { message: `Unknown parameter: '${key}'.`, type: 'invalid_request_error', param: key, code: 'unknown_parameter' });
      }
    }
    const invalid = validate(body);
    if (invalid) return sendError(res, invalid.status, invalid.error);
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': requestId() });
    res.end(JSON.stringify({ object: 'response.input_tokens', input_tokens: fakeInputTokenCount(body) }));
  }

  /** The checks OpenAI makes that a stateless client can fail. */
  function validate(body: any): { status: number; error: Json } | null {
    if (!body || typeof body !== 'object') return { status: 400, error: { message: 'We could not parse the JSON body of your request.', type: 'invalid_request_error' } };
    for (const key of Object.keys(body)) {
      if (!KNOWN_PARAMS.has(key)) {
        return { status: 400, error: { message: `Unknown parameter: '${key}'.`, type: 'invalid_request_error', param: key, code: 'unknown_parameter' } };
      }
    }
    if (typeof body.model !== 'string') {
      return { status: 400, error: { message: "Missing required parameter: 'model'.", type: 'invalid_request_error', param: 'model', code: 'missing_required_parameter' } };
    }
    if (Array.isArray(body.include) && body.include.includes(ENCRYPTED) && !isReasoningModel(body.model)) {
      return { status: 400, error: { message: 'Encrypted content is not supported with this model.', type: 'invalid_request_error', param: 'include' } };
    }
    const hostedError = checkHostedInput(body.input);
    if (hostedError) return { status: 400, error: hostedError };
    const input = Array.isArray(body.input) ? body.input : [];
    for (const [i, item] of input.entries()) {
      if (item?.type !== 'reasoning') continue;
      const blob = item.encrypted_content;
      if (typeof blob !== 'string' || !blob) {
        if (body.store === false && typeof item.id === 'string') {
          return {
            status: 404,
            error: {
              message: `Item with id '${item.id}' not found. Items are not persisted when \`store\` is set to false. Try again with \`store\` set to true, or remove this item from your input.`,
              type: 'invalid_request_error',
              param: 'input',
            },
          };
        }
        continue;
      }
      const issuedFor = blobItemId(blob);
      const unverifiable = issuedFor === null && !issuedBlobs.has(blob) && options.strictEncryptedContent;
      const mismatch = issuedFor !== null && typeof item.id === 'string' && item.id !== issuedFor;
      if (unverifiable || mismatch) {
        const reason = mismatch ? 'Encrypted content item_id did not match the target item id.' : 'Encrypted content could not be decrypted or parsed.';
        return {
          status: 400,
          error: {
            message: `The encrypted content for item ${item.id ?? `input[${i}]`} could not be verified. Reason: ${reason}`,
            type: 'invalid_request_error',
            param: null,
            code: 'invalid_encrypted_content',
          },
        };
      }
    }
    return null;
  }

  function isReasoningModel(model: string): boolean {
    return !/^(gpt-4|gpt-3\.5|chatgpt-4o)/.test(model) && !(options.nonReasoningModels ?? []).includes(model);
  }

  const { baseUrl, close } = await listenOnLoopback(server, '/v1');
  return {
    baseUrl,
    received,
    enqueue: (...turns: ResponsesFakeTurn[]) => { queue.push(...turns); },
    close,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Reply → final output items (the same items serve the stream and the Response JSON)

interface Plan { items: Json[]; usage: Json }

function planReply(turn: Extract<FakeTurn, { kind: 'reply' }>, body: any, issuedBlobs: Set<string>): Plan {
  const items: Json[] = [];
  const wantsBlob = Array.isArray(body.include) && body.include.includes(ENCRYPTED);
  if (turn.reasoning !== undefined || turn.reasoningSignature !== undefined) {
    const id = `rs_${hex(24)}`;
    const item: Json = { id, type: 'reasoning', summary: turn.reasoning ? [{ type: 'summary_text', text: turn.reasoning }] : [] };
    if (wantsBlob) {
      item.encrypted_content = turn.reasoningSignature ?? issueBlob(id);
      issuedBlobs.add(item.encrypted_content);
    }
    items.push(item);
  }
  const toolCalls = turn.toolCalls ?? [];
  const text = turn.text ?? (turn.refusal === undefined && toolCalls.length === 0 ? echoText(lastUserText(body.input)) : undefined);
  if (text || turn.refusal) {
    const content: Json[] = [];
    if (text) content.push({ type: 'output_text', annotations: [], logprobs: [], text });
    if (turn.refusal) content.push({ type: 'refusal', refusal: turn.refusal });
    const truncated = turn.finish === 'length' && toolCalls.length === 0;
    items.push({ id: `msg_${hex(24)}`, type: 'message', status: truncated ? 'incomplete' : 'completed', content, role: 'assistant' });
  }
  for (const call of toolCalls) items.push(toolCallItem(call, body.tools));

  const outputChars = (turn.reasoning ?? '').length + (text ?? '').length + (turn.refusal ?? '').length +
    toolCalls.reduce((n, c) => n + c.arguments.length, 0);
  const u = turn.usage ?? {
    input: Math.max(1, Math.ceil(JSON.stringify(body.input ?? '').length / 4)),
    output: Math.max(1, Math.ceil(outputChars / 4)),
    reasoning: turn.reasoning ? Math.ceil(turn.reasoning.length / 4) : 0,
  };
  const usage = {
    input_tokens: u.input,
    input_tokens_details: { cached_tokens: u.cached ?? 0 },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: u.reasoning ?? 0 },
    total_tokens: u.input + u.output,
  };
  return { items, usage };
}

/** A function_call, or a custom_tool_call when the request declared `name` as a custom tool. */
function toolCallItem(call: FakeToolCall, tools: unknown): Json {
  const list: Json[] = Array.isArray(tools) ? tools : [];
  const callId = call.id ?? `call_${alnum(24)}`;
  if (list.some((t) => t?.type === 'custom' && t.name === call.name)) {
    return { id: `ctc_${hex(24)}`, type: 'custom_tool_call', status: 'completed', call_id: callId, input: call.arguments, name: call.name };
  }
  const namespace = list.find((t) => t?.type === 'namespace' && Array.isArray(t.tools) && t.tools.some((f: Json) => f?.name === call.name));
  const item: Json = { id: `fc_${hex(24)}`, type: 'function_call', status: 'completed', arguments: call.arguments, call_id: callId, name: call.name };
  if (namespace) item.namespace = namespace.name;
  return item;
}

// ---------------------------------------------------------------------------------------------------------------
// Items → SSE events

async function streamItem(sse: SseWriter, item: Json, outputIndex: number, chunkSize: number): Promise<void> {
  const base = { output_index: outputIndex };
  const itemRef = { item_id: item.id, output_index: outputIndex };
  if (item.type === 'reasoning') {
    await sse.send('response.output_item.added', { ...base, item: { id: item.id, type: 'reasoning', summary: [] } });
    for (const [summaryIndex, part] of (item.summary as Json[]).entries()) {
      const ref = { ...itemRef, summary_index: summaryIndex };
      await sse.send('response.reasoning_summary_part.added', { ...ref, part: { type: 'summary_text', text: '' } });
      for (const delta of chunks(part.text, chunkSize)) {
        await sse.send('response.reasoning_summary_text.delta', { ...ref, delta }, true);
      }
      await sse.send('response.reasoning_summary_text.done', { ...ref, text: part.text });
      await sse.send('response.reasoning_summary_part.done', { ...ref, part: { type: 'summary_text', text: part.text } });
    }
  } else if (item.type === 'message') {
    await sse.send('response.output_item.added', { ...base, item: { id: item.id, type: 'message', status: 'in_progress', content: [], role: 'assistant' } });
    for (const [contentIndex, part] of (item.content as Json[]).entries()) {
      const ref = { ...itemRef, content_index: contentIndex };
      if (part.type === 'output_text') {
        await sse.send('response.content_part.added', { ...ref, part: { type: 'output_text', annotations: [], logprobs: [], text: '' } });
        for (const delta of chunks(part.text, chunkSize)) {
          await sse.send('response.output_text.delta', { ...ref, delta, logprobs: [] }, true);
        }
        await sse.send('response.output_text.done', { ...ref, text: part.text, logprobs: [] });
      } else {
        await sse.send('response.content_part.added', { ...ref, part: { type: 'refusal', refusal: '' } });
        for (const delta of chunks(part.refusal, chunkSize)) await sse.send('response.refusal.delta', { ...ref, delta });
        await sse.send('response.refusal.done', { ...ref, refusal: part.refusal });
      }
      await sse.send('response.content_part.done', { ...ref, part });
    }
  } else if (item.type === 'function_call') {
    await sse.send('response.output_item.added', { ...base, item: { ...item, status: 'in_progress', arguments: '' } });
    for (const delta of chunks(item.arguments, chunkSize)) {
      await sse.send('response.function_call_arguments.delta', { ...itemRef, delta }, true);
    }
    await sse.send('response.function_call_arguments.done', { ...itemRef, arguments: item.arguments, name: item.name });
  } else if (item.type === 'custom_tool_call') {
    await sse.send('response.output_item.added', { ...base, item: { ...item, status: 'in_progress', input: '' } });
    for (const delta of chunks(item.input, chunkSize)) {
      await sse.send('response.custom_tool_call_input.delta', { ...itemRef, delta }, true);
    }
    await sse.send('response.custom_tool_call_input.done', { ...itemRef, input: item.input });
  }
  await sse.send('response.output_item.done', { ...base, item });
}

/** The opening of a message, as far as a stream that then breaks gets. */
async function streamMessageStart(sse: SseWriter, text: string, outputIndex: number): Promise<void> {
  const id = `msg_${hex(24)}`;
  const ref = { item_id: id, output_index: outputIndex, content_index: 0 };
  await sse.send('response.output_item.added', { output_index: outputIndex, item: { id, type: 'message', status: 'in_progress', content: [], role: 'assistant' } });
  await sse.send('response.content_part.added', { ...ref, part: { type: 'output_text', annotations: [], logprobs: [], text: '' } });
  for (const delta of chunks(text, 4)) await sse.send('response.output_text.delta', { ...ref, delta, logprobs: [] }, true);
}

class SseWriter {
  private sequence = 0;
  constructor(private readonly res: http.ServerResponse, private readonly delayMs: number, private readonly obfuscate: boolean) {}

  async send(type: string, payload: Json, obfuscated = false): Promise<void> {
    const data: Json = { type, sequence_number: this.sequence++, ...payload };
    // Real deltas carry random padding so their sizes leak nothing, unless stream_options.include_obfuscation is false.
    if (obfuscated && this.obfuscate) data.obfuscation = alnum(1 + (this.sequence % 12));
    this.res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
  }

  raw(text: string): void {
    this.res.write(text);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Response object, errors, helpers

function baseResponse(body: any): Json {
  return {
    id: `resp_${hex(24)}`,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: 'in_progress',
    background: false,
    completed_at: null,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    max_tool_calls: body.max_tool_calls ?? null,
    model: body.model,
    output: [],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: null,
    prompt_cache_key: body.prompt_cache_key ?? null,
    prompt_cache_retention: body.prompt_cache_retention ?? null,
    reasoning: { effort: body.reasoning?.effort ?? null, summary: body.reasoning?.summary ?? null },
    safety_identifier: body.safety_identifier ?? null,
    service_tier: body.service_tier ?? 'auto',
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: body.text ?? { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_logprobs: body.top_logprobs ?? 0,
    top_p: body.top_p ?? 1,
    truncation: body.truncation ?? 'disabled',
    usage: null,
    user: body.user ?? null,
    metadata: body.metadata ?? {},
  };
}

function finishResponse(response: Json, items: Json[], turn: { kind: string; finish?: string }, usage: Json | undefined): void {
  response.output = items;
  response.usage = usage ?? { input_tokens: 1, input_tokens_details: { cached_tokens: 0 }, output_tokens: 1, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 2 };
  if (response.service_tier === 'auto') response.service_tier = 'default';
  if (turn.finish === 'length' || turn.finish === 'content_filter') {
    response.status = 'incomplete';
    response.incomplete_details = { reason: turn.finish === 'length' ? 'max_output_tokens' : 'content_filter' };
  } else {
    response.status = 'completed';
    response.completed_at = Math.floor(Date.now() / 1000);
  }
}

function defaultError(status: number, message: string | undefined): Json {
  if (status === 401) {
    return { message: message ?? 'Incorrect API key provided: sk-test. You can find your API key at https://platform.openai.com/account/api-keys.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' };
  }
  if (status === 429) {
    return { message: message ?? 'Rate limit reached for gpt-5 on tokens per min (TPM): Limit 30000, Used 30000, Requested 100. Please try again in 2s.', type: 'tokens', param: null, code: 'rate_limit_exceeded' };
  }
  if (status >= 500) {
    return { message: message ?? 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null };
  }
  return { message: message ?? `Error ${status}`, type: 'invalid_request_error', param: null, code: null };
}

function sendError(res: http.ServerResponse, status: number, error: Json): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': requestId() });
  res.end(JSON.stringify({ error: { message: error.message, type: error.type, param: error.param ?? null, code: error.code ?? null } }));
}

function lastUserText(input: unknown): string {
  if (typeof input === 'string') return input;
  if (!Array.isArray(input)) return '';
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i];
    if (item?.role !== 'user' || (item.type !== undefined && item.type !== 'message')) continue;
    if (typeof item.content === 'string') return item.content;
    if (Array.isArray(item.content)) {
      return item.content.filter((p: Json) => p?.type === 'input_text').map((p: Json) => p.text).join('');
    }
  }
  return '';
}

function issueBlob(itemId: string): string {
  return BLOB_PREFIX + Buffer.from(JSON.stringify({ item_id: itemId, nonce: hex(16) })).toString('base64');
}

/** The item id inside a blob this fake issued, or null for anything else. */
function blobItemId(blob: string): string | null {
  if (!blob.startsWith(BLOB_PREFIX)) return null;
  try {
    const decoded = JSON.parse(Buffer.from(blob.slice(BLOB_PREFIX.length), 'base64').toString('utf8')) as { item_id?: unknown };
    return typeof decoded.item_id === 'string' ? decoded.item_id : null;
  } catch {
    return null;
  }
}

function chunks(text: string, size: number): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += Math.max(1, size)) out.push(chars.slice(i, i + Math.max(1, size)).join(''));
  return out;
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function alnum(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

function requestId(): string {
  return `req_${hex(16)}`;
}
