/**
 * A fake Gemini API server on 127.0.0.1, base URL `…/v1beta`:
 * - `POST /v1beta/models/{model}:streamGenerateContent?alt=sse` — SSE, every `data:` a whole
 *   GenerateContentResponse `{candidates:[{content:{role:'model', parts}, finishReason?, index:0}],
 *   usageMetadata, modelVersion, responseId}` (CRLF-framed, no event names, no [DONE], as Google sends it);
 * - `POST /v1beta/models/{model}:generateContent` — the same turn as one GenerateContentResponse;
 * - `POST /v1beta/models/{model}:countTokens` — `{totalTokens, promptTokensDetails}` (fakeCountTokens; a
 *   `generateContentRequest` must carry `model: 'models/{model}'`).
 *
 * Reasoning streams as `{text, thought: true}` parts. Tool calls are `functionCall` parts sent together in one
 * chunk (as Gemini does for parallel calls) with a `thoughtSignature` on the first one only (the turn's
 * `reasoningSignature`, or a generated one); a text answer with a `reasoningSignature` carries it on its last
 * text part (Gemini 3's habit). A FakeToolCall `id` becomes `functionCall.id`. Refusals are plain text (Gemini
 * has no refusal channel). Intermediate chunks carry a partial `usageMetadata` (prompt only), the last one the
 * full counts. Errors use Google's `{error:{code, message, status}}`. The key must come in `x-goog-api-key` or a
 * `key=` query parameter (else 403 PERMISSION_DENIED, like Google). `received[].path` keeps the query.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { echoText, type FakeTurn, type FakeUpstream, type ReceivedRequest } from './fake-turn.js';
import { createFakeServer, listenOnLoopback, writeFrames } from './fake-http.js';

type ReplyTurn = Extract<FakeTurn, { kind: 'reply' }>;
type Part = Record<string, unknown>;

const ROUTE = /^\/v1beta\/models\/([^/:]+):(streamGenerateContent|generateContent|countTokens)$/;

export async function startFakeGemini(): Promise<FakeUpstream> {
  const received: ReceivedRequest[] = [];
  const queue: FakeTurn[] = [];
  let seq = 0;

  const server = createFakeServer({
    received,
    withQuery: true,
    badJson: (res) => sendError(res, 400, 'Invalid JSON payload received.'),
    crash: (res, err) => sendError(res, 500, `fake failed: ${String(err)}`),
    handle,
  });

  async function handle(req: IncomingMessage, res: ServerResponse, body: any) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const route = ROUTE.exec(url.pathname);
    if (req.method !== 'POST' || !route) return sendError(res, 404, `Unknown path: ${req.method} ${url.pathname}`);
    if (!req.headers['x-goog-api-key'] && !url.searchParams.get('key')) {
      return sendError(res, 403, "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");
    }
    const [, model, method] = route;
    if (method === 'countTokens') return countTokens(res, model, body);
    if (method === 'streamGenerateContent' && url.searchParams.get('alt') !== 'sse') {
      return sendError(res, 400, 'The fake only streams with alt=sse.');
    }

    const turn: FakeTurn = queue.shift() ?? { kind: 'reply', text: echoText(lastUserText(body?.contents)) };
    const responseId = `fakeResp${++seq}`;
    switch (turn.kind) {
      case 'error':
        return sendJson(res, turn.status, turn.body ?? googleErrorBody(turn.status, turn.message), turn.headers);
      case 'hang':
        return; // never answered; close() destroys the socket
      case 'drop-mid-stream': {
        res.writeHead(200, sseHeaders());
        const frames = split(turn.text, 4).map((t) => frame(chunkOf([{ text: t }], model, responseId, promptUsage(body))));
        res.write(frames.join(''), () => res.destroy());
        return;
      }
      case 'reply':
        if (method === 'generateContent') return sendJson(res, 200, wholeResponse(turn, model, responseId, body, seq));
        return streamReply(res, turn, model, responseId, body);
    }
  }

  async function streamReply(res: ServerResponse, turn: ReplyTurn, model: string, responseId: string, body: any) {
    const size = turn.chunkSize ?? 4;
    const partial = promptUsage(body);
    const chunks: Part[][] = [];
    for (const piece of split(turn.reasoning ?? '', size)) chunks.push([{ text: piece, thought: true }]);
    const answer = (turn.text ?? '') + (turn.refusal ?? '');
    for (const piece of split(answer, size)) chunks.push([{ text: piece }]);
    const calls = callParts(turn, seq);
    if (calls.length) chunks.push(calls);
    else if (turn.reasoningSignature) {
      // Gemini 3 signs the last part of a text answer (an empty text part when there is nothing left to say).
      const last = chunks.length && 'text' in chunks[chunks.length - 1][0] && !chunks[chunks.length - 1][0].thought
        ? chunks[chunks.length - 1][0] : null;
      if (last) last.thoughtSignature = turn.reasoningSignature;
      else chunks.push([{ text: '', thoughtSignature: turn.reasoningSignature }]);
    }
    if (!chunks.length) chunks.push([{ text: '' }]);

    const frames = chunks.map((parts, i) => {
      const lastChunk = i === chunks.length - 1;
      return frame(chunkOf(parts, model, responseId, lastChunk ? usageOf(turn, body) : partial, lastChunk ? finishOf(turn) : undefined));
    });
    res.writeHead(200, sseHeaders());
    await writeFrames(res, frames, turn.delayMs);
  }

  const { baseUrl, close } = await listenOnLoopback(server, '/v1beta');
  return {
    baseUrl,
    received,
    enqueue: (...turns) => { queue.push(...turns); },
    close,
  };
}

function callParts(turn: ReplyTurn, seq: number): Part[] {
  return (turn.toolCalls ?? []).map((call, i) => {
    const functionCall: Record<string, unknown> = { name: call.name, args: call.arguments ? JSON.parse(call.arguments) : {} };
    if (call.id) functionCall.id = call.id;
    const part: Part = { functionCall };
    if (i === 0) part.thoughtSignature = turn.reasoningSignature ?? Buffer.from(`fake-signature-${seq}`).toString('base64');
    return part;
  });
}

function chunkOf(parts: Part[], model: string, responseId: string, usage: unknown, finishReason?: string) {
  const candidate: Record<string, unknown> = { content: { role: 'model', parts } };
  if (finishReason) candidate.finishReason = finishReason;
  candidate.index = 0;
  return { candidates: [candidate], usageMetadata: usage, modelVersion: model, responseId };
}

function wholeResponse(turn: ReplyTurn, model: string, responseId: string, body: any, seq: number) {
  const parts: Part[] = [];
  if (turn.reasoning) parts.push({ text: turn.reasoning, thought: true });
  const answer = (turn.text ?? '') + (turn.refusal ?? '');
  const calls = callParts(turn, seq);
  if (answer) parts.push(calls.length || !turn.reasoningSignature ? { text: answer } : { text: answer, thoughtSignature: turn.reasoningSignature });
  parts.push(...calls);
  return chunkOf(parts, model, responseId, usageOf(turn, body), finishOf(turn));
}

function frame(chunk: unknown): string {
  return `data: ${JSON.stringify(chunk)}\r\n\r\n`;
}

function split(text: string, size: number): string[] {
  const out: string[] = [];
  const step = Math.max(1, size);
  for (let i = 0; i < text.length; i += step) out.push(text.slice(i, i + step));
  return out;
}

function finishOf(turn: ReplyTurn): string {
  switch (turn.finish) {
    case 'length': return 'MAX_TOKENS';
    case 'content_filter': return 'SAFETY';
    default: return 'STOP'; // Gemini says STOP after function calls too
  }
}

function estimateTokens(body: any): number {
  return Math.max(1, Math.ceil(JSON.stringify(body?.contents ?? body?.generateContentRequest?.contents ?? []).length / 4));
}

/**
 * `:countTokens` takes either `contents` or a whole `generateContentRequest` (never both); the latter must name
 * its model (`models/<m>`), and its system instruction and tools count too (fakeCountTokens).
 */
function countTokens(res: ServerResponse, model: string, body: any) {
  const gcr = body?.generateContentRequest;
  if (gcr !== undefined && body?.contents !== undefined) {
    return sendError(res, 400, 'Only one of contents or generate_content_request can be set.');
  }
  if (gcr !== undefined && gcr?.model !== `models/${model}`) {
    return sendError(res, 400, `GenerateContentRequest.model: unexpected model name format: '${String(gcr?.model ?? '')}'`);
  }
  const total = fakeCountTokens(body);
  return sendJson(res, 200, { totalTokens: total, promptTokensDetails: [{ modality: 'TEXT', tokenCount: total }] });
}

/** The fake's deterministic count: a quarter of the JSON length of systemInstruction + contents + tools. */
export function fakeCountTokens(body: any): number {
  const gcr = body?.generateContentRequest;
  if (gcr === undefined) return estimateTokens(body);
  return Math.max(1, Math.ceil(JSON.stringify([gcr.systemInstruction ?? null, gcr.contents ?? [], gcr.tools ?? null]).length / 4));
}

function promptUsage(body: any) {
  const prompt = estimateTokens(body);
  return { promptTokenCount: prompt, totalTokenCount: prompt };
}

function usageOf(turn: ReplyTurn, body: any) {
  const prompt = turn.usage?.input ?? estimateTokens(body);
  const thoughts = turn.usage?.reasoning ?? Math.ceil((turn.reasoning ?? '').length / 4);
  const produced = (turn.text ?? '') + (turn.refusal ?? '') + (turn.toolCalls ?? []).map((c) => c.name + c.arguments).join('');
  const output = turn.usage?.output ?? Math.ceil(produced.length / 4) + thoughts;
  const usage: Record<string, unknown> = {
    promptTokenCount: prompt,
    candidatesTokenCount: Math.max(0, output - thoughts),
    totalTokenCount: prompt + output,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: prompt }],
  };
  if (thoughts) usage.thoughtsTokenCount = thoughts;
  if (turn.usage?.cached) usage.cachedContentTokenCount = turn.usage.cached;
  return usage;
}

/** The text of the last user content (its text parts). */
function lastUserText(contents: unknown): string {
  if (!Array.isArray(contents)) return '';
  for (let i = contents.length - 1; i >= 0; i--) {
    const c = contents[i] as { role?: string; parts?: unknown };
    if (c?.role !== 'user' || !Array.isArray(c.parts)) continue;
    const texts = c.parts.filter((p: any) => typeof p?.text === 'string').map((p: any) => String(p.text));
    if (texts.length) return texts.join('\n');
  }
  return '';
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED',
};

function googleErrorBody(status: number, message?: string) {
  return {
    error: {
      code: status,
      message: message ?? `fake upstream error ${status}`,
      status: STATUS_NAMES[status] ?? (status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION'),
    },
  };
}

function sseHeaders(): Record<string, string> {
  return { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string) {
  sendJson(res, status, googleErrorBody(status, message));
}

