/**
 * A yardstick, not a product: the work a stored `POST /v1/responses` must do for the bench's request
 * (`{"model":"fake/m","input":"hi"}`, with or without `stream: true`), written by hand for that one shape with
 * no framework — no validation beyond two fields, no providers, no builder, no generality.
 *
 * It does what Switchboard does for that request and nothing else: parse the body, ask the Chat Completions
 * upstream (same undici `dispatch`), parse its SSE chunks, make the same Response and the same ten events
 * (byte for byte the same sizes), and store the same rows (Switchboard's own SqliteWrites, on a writer thread,
 * one batch per event-loop turn) before the answer leaves in one write. The stored event log is kept whole
 * (Switchboard compacts its snapshots). Its throughput says how far below the bare proxy that work alone puts
 * any implementation on this machine; what Switchboard spends above it is the cost of being general.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { Agent, type Dispatcher } from 'undici';
import { newId } from '../src/api/ids.js';
import { openSqlite } from '../src/store/open-sqlite.js';
import type { FinishOp } from '../src/store/sqlite-writes.js';
import type { ThreadReply } from '../src/store/writer-thread.js';

export interface LeanReference {
  url: string;
  close(): Promise<void>;
}

interface ChatUsage { prompt_tokens: number; completion_tokens: number; total_tokens: number }

export async function startLeanReference(upstreamBaseUrl: string, dbPath: string): Promise<LeanReference> {
  const { db } = await openSqlite(dbPath); // creates the schema
  await db.destroy();
  const tsx = import.meta.resolve('tsx/esm/api');
  // Switchboard's own writer thread: its connection, its SqliteWrites, one group commit per message.
  const entry = new URL('../src/store/writer-thread.ts', import.meta.url).href;
  const worker = new Worker(`import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`,
    { eval: true, workerData: { path: dbPath } });

  // Group commit: the writes of one event-loop turn go as one message; the thread answers batches in order.
  let queued: { op: FinishOp; done: () => void }[] = [];
  const sent: (() => void)[][] = [];
  worker.on('message', (m: ThreadReply) => {
    if ('ready' in m) return; // batches sent before this wait in the thread's port
    for (const done of sent.shift() ?? []) done();
  });
  const store = (op: FinishOp, done: () => void) => {
    if (!queued.length) {
      setImmediate(() => {
        const batch = queued;
        queued = [];
        sent.push(batch.map((j) => j.done));
        worker.postMessage(batch.map((j) => j.op));
      });
    }
    queued.push({ op, done });
  };

  const upstream = new URL(upstreamBaseUrl);
  const chatPath = `${upstream.pathname.replace(/\/+$/, '')}/chat/completions`;
  const agent = new Agent({ keepAliveTimeout: 30_000, pipelining: 1 });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: { model?: unknown; input?: unknown; stream?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400).end();
        return;
      }
      if (typeof body.model !== 'string' || typeof body.input !== 'string') {
        res.writeHead(400).end();
        return;
      }
      respond(body as { model: string; input: string; stream?: unknown }, res);
    });
  });

  function respond(body: { model: string; input: string; stream?: unknown }, res: ServerResponse) {
    const stream = body.stream === true;
    const id = newId('resp');
    const createdAt = Math.floor(Date.now() / 1000);
    const inputItem = { id: newId('msg'), type: 'message', role: 'user', content: [{ type: 'input_text', text: body.input }] };
    const chatBody = JSON.stringify({
      messages: [{ role: 'user', content: body.input }], model: body.model.slice(body.model.indexOf('/') + 1), stream,
      ...(stream ? { stream_options: { include_usage: true } } : {}),
    });
    const response: Record<string, unknown> = {
      id, object: 'response', created_at: createdAt, status: 'in_progress', background: false, completed_at: null, error: null,
      incomplete_details: null, instructions: null, max_output_tokens: null, max_tool_calls: null, model: body.model, output: [],
      parallel_tool_calls: true, previous_response_id: null, conversation: null, prompt_cache_key: null, prompt_cache_retention: null,
      reasoning: { effort: null, summary: null }, safety_identifier: null, service_tier: 'default', store: true, temperature: 1,
      text: { format: { type: 'text' }, verbosity: 'medium' }, tool_choice: 'auto', tools: [], top_logprobs: 0, top_p: 1,
      presence_penalty: 0, frequency_penalty: 0, truncation: 'disabled', usage: null, user: null, metadata: {},
    };
    const msgId = newId('msg');
    const at = `"item_id":"${msgId}","output_index":0,"content_index":0`;
    let seq = 0;
    let frames = '';
    const log: string[] = [];
    const event = (type: string, fields: string) => {
      if (!stream) return;
      const json = `{"type":"${type}","sequence_number":${seq++},${fields}}`;
      frames += `event: ${type}\ndata: ${json}\n\n`;
      log.push(json);
    };
    if (stream) {
      const snapshot = JSON.stringify(response);
      event('response.created', `"response":${snapshot}`);
      event('response.in_progress', `"response":${snapshot}`);
      event('response.output_item.added', `"output_index":0,"item":{"id":"${msgId}","type":"message","status":"in_progress","content":[],"role":"assistant"}`);
      event('response.content_part.added', `${at},"part":{"type":"output_text","annotations":[],"logprobs":[],"text":""}`);
    }

    let text = '';
    let usage: ChatUsage | null = null;
    let rest = '';
    const onFrames = () => {
      for (let end = rest.indexOf('\n\n'); end >= 0; end = rest.indexOf('\n\n')) {
        const frame = rest.slice(0, end);
        rest = rest.slice(end + 2);
        if (!frame.startsWith('data: ') || frame === 'data: [DONE]') continue;
        const chunk = JSON.parse(frame.slice(6)) as { choices: { delta?: { content?: string } }[]; usage: ChatUsage | null };
        const delta = chunk.choices[0]?.delta?.content;
        if (delta) {
          text += delta;
          event('response.output_text.delta', `${at},"delta":${JSON.stringify(delta)},"logprobs":[]`);
        }
        if (chunk.usage) usage = chunk.usage;
      }
    };
    const finish = () => {
      if (!stream) {
        const completion = JSON.parse(rest) as { choices: { message: { content: string } }[]; usage: ChatUsage };
        text = completion.choices[0].message.content;
        usage = completion.usage;
      }
      const part = { type: 'output_text', annotations: [], logprobs: [], text };
      event('response.output_text.done', `${at},"text":${JSON.stringify(text)},"logprobs":[]`);
      event('response.content_part.done', `${at},"part":${JSON.stringify(part)}`);
      const item = { id: msgId, type: 'message', status: 'completed', content: [part], role: 'assistant' };
      const itemJson = JSON.stringify(item);
      event('response.output_item.done', `"output_index":0,"item":${itemJson}`);
      response.status = 'completed';
      response.completed_at = Math.floor(Date.now() / 1000);
      response.usage = {
        input_tokens: usage!.prompt_tokens, input_tokens_details: { cached_tokens: 0 }, output_tokens: usage!.completion_tokens,
        output_tokens_details: { reasoning_tokens: 0 }, total_tokens: usage!.total_tokens,
      };
      const stored = JSON.stringify(response); // output [] in the stored row, as Switchboard stores it
      response.output = [item];
      const answer = JSON.stringify(response);
      event('response.completed', `"response":${answer}`);
      const op: FinishOp = {
        op: 'finish', tenant: 'default',
        response: { id, status: 'completed', model: body.model, created_at: createdAt, previous_response_id: null, background: false },
        items: [{ role: 'input', id: inputItem.id, json: JSON.stringify(inputItem) }, { role: 'output', id: msgId, json: itemJson }],
        inputCount: 1, responseJson: stored, requestJson: JSON.stringify(body), eventLog: stream ? `[${log.join(',')}]` : null, previous: null,
      };
      store(op, () => {
        const headers = { 'content-type': stream ? 'text/event-stream; charset=utf-8' : 'application/json', 'x-request-id': newId('req') };
        res.writeHead(200, headers).end(stream ? `${frames}data: [DONE]\n\n` : answer);
      });
    };
    let status = 0;
    const fail = (why: string) => { if (!res.headersSent) res.writeHead(502).end(`lean reference: ${why}`); };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart() {},
      onResponseStart(_c, statusCode) { status = statusCode; },
      onResponseData(_c, chunk) {
        rest += chunk.toString('utf8');
        if (!stream || status !== 200) return;
        try {
          onFrames();
        } catch (err) {
          status = -1; // answered below
          fail(String(err));
        }
      },
      onResponseEnd() {
        if (status !== 200) return fail(`upstream answered ${status}`); // (or a chunk did not parse)
        try {
          finish();
        } catch (err) {
          fail(String(err));
        }
      },
      onResponseError(_c, err) { fail(String(err)); },
    };
    agent.dispatch({
      origin: upstream.origin, path: chatPath, method: 'POST',
      headers: { 'content-type': 'application/json', accept: stream ? 'text/event-stream' : 'application/json' }, body: chatBody,
    }, handler);
  }

  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await agent.close();
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage('close');
      await exited;
    },
  };
}
