/**
 * A Responses WebSocket client for tests (`ws`): every message the server sends is checked against the spec
 * (events with spec-oracle.ts, `error` messages with ws-spec-oracle.ts), and a turn's sequence numbers must run
 * 0, 1, 2… as on SSE.
 */
import WebSocket from 'ws';
import { assertEvent } from './spec-oracle.js';
import { assertWebSocketCreate, assertWebSocketError } from './ws-spec-oracle.js';

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

export interface Turn {
  events: any[];
  /** The terminal event's Response, when the turn ran. */
  response: any | null;
  /** The `error` message, when the turn was refused. */
  error: any | null;
}

export class WsClient {
  private readonly inbox: any[] = [];
  private waiter: (() => void) | null = null;
  closed: Promise<{ code: number }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) throw new Error('the server sent a binary message');
      const msg = JSON.parse(data.toString());
      if (msg.type === 'error') assertWebSocketError(msg);
      else assertEvent(msg, 'WebSocket event');
      this.inbox.push(msg);
      this.waiter?.();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code) => { resolve({ code }); this.waiter?.(); }));
  }

  static async connect(origin: string, opts: { path?: string; headers?: Record<string, string> } = {}): Promise<WsClient> {
    const ws = new WebSocket(`${origin.replace(/^http/, 'ws')}${opts.path ?? '/v1/responses'}`, { headers: opts.headers });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { res })));
    });
    return new WsClient(ws);
  }

  /** A spec-valid `response.create` message. */
  create(params: Record<string, unknown>): void {
    const msg = { type: 'response.create', ...params };
    assertWebSocketCreate(msg);
    this.ws.send(JSON.stringify(msg));
  }

  /** Anything, unchecked (to test refusals). */
  sendRaw(data: string): void {
    this.ws.send(data);
  }

  async next(timeoutMs = 10_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    while (!this.inbox.length) {
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error('the connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no message from the server in time');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => { clearTimeout(t); this.waiter = null; resolve(); };
      });
    }
    return this.inbox.shift();
  }

  /** The messages of one turn: events up to the terminal one, or one `error` message. */
  async turn(): Promise<Turn> {
    const events: any[] = [];
    for (;;) {
      const msg = await this.next();
      if (msg.type === 'error') {
        if (events.length) throw new Error(`an error message in the middle of a response: ${JSON.stringify(msg)}`);
        return { events, response: null, error: msg };
      }
      if (msg.sequence_number !== events.length) throw new Error(`sequence_number ${msg.sequence_number} where ${events.length} was due`);
      events.push(msg);
      if (TERMINAL.has(msg.type)) return { events, response: msg.response, error: null };
    }
  }

  close(): Promise<{ code: number }> {
    this.ws.close();
    return this.closed;
  }
}
