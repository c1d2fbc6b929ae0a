/**
 * A real MCP server (the SDK's McpServer) on 127.0.0.1, speaking Streamable HTTP at `/mcp` (stateful sessions),
 * or, with `transport: 'sse'`, only the legacy HTTP+SSE transport (`GET /sse` + `POST /messages`; a POST to
 * `/sse` answers 405 as a legacy server does, which is what sends a modern client to its fallback).
 *
 * Tools: `add`, `delete_file` (the one tests put behind approval), `broken` (isError result, or a thrown error
 * with `{mode: 'throw'}`), `slow` (sleeps `ms`, stops when the client cancels), `echo_headers` (the
 * Authorization and X-* headers the call arrived with), `read_notes` (annotated read-only).
 * Every HTTP request, tool call and tools/list is recorded.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';

export interface RecordedCall {
  name: string;
  args: Record<string, unknown>;
  headers: IncomingHttpHeaders;
}

export interface FakeMcpServer {
  /** The URL a client is given: `/mcp` (Streamable HTTP) or `/sse` (legacy). */
  url: string;
  /** Set for the legacy server: the same as `url`. */
  sseUrl?: string;
  calls: RecordedCall[];
  /** Every HTTP request the server received (method, path, headers). */
  requests: { method: string; path: string; headers: IncomingHttpHeaders }[];
  /** Names of `slow` calls whose handler saw the client's cancellation. */
  cancelled: string[];
  readonly listCount: number;
  close(): Promise<void>;
}

export async function startMcpServer(opts: { transport?: 'streamable' | 'sse' } = {}): Promise<FakeMcpServer> {
  const calls: RecordedCall[] = [];
  const requests: FakeMcpServer['requests'] = [];
  const cancelled: string[] = [];
  let listCount = 0;

  const newMcpServer = () => {
    const server = new McpServer({ name: 'switchboard-test-mcp', version: '1.0.0' });
    const record = (name: string, args: Record<string, unknown>, headers: IncomingHttpHeaders | undefined) =>
      calls.push({ name, args, headers: headers ?? {} });
    server.registerTool('add', {
      description: 'Adds two numbers.',
      inputSchema: { a: z.number(), b: z.number() },
      annotations: { readOnlyHint: true },
    }, async (args, extra) => {
      record('add', args, extra.requestInfo?.headers);
      return { content: [{ type: 'text', text: String(args.a + args.b) }] };
    });
    server.registerTool('delete_file', {
      description: 'Deletes a file.',
      inputSchema: { path: z.string() },
      annotations: { destructiveHint: true },
    }, async (args, extra) => {
      record('delete_file', args, extra.requestInfo?.headers);
      return { content: [{ type: 'text', text: `deleted ${args.path}` }] };
    });
    server.registerTool('broken', {
      description: 'Always fails.',
      inputSchema: { mode: z.enum(['result', 'throw']).optional() },
    }, async (args, extra) => {
      record('broken', args, extra.requestInfo?.headers);
      if (args.mode === 'throw') throw new Error('the broken tool threw');
      return { isError: true, content: [{ type: 'text', text: 'disk on fire' }] };
    });
    server.registerTool('slow', {
      description: 'Sleeps for ms milliseconds.',
      inputSchema: { ms: z.number() },
    }, async (args, extra) => {
      record('slow', args, extra.requestInfo?.headers);
      const finished = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(true), args.ms);
        extra.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve(false);
        }, { once: true });
      });
      if (!finished) cancelled.push('slow');
      return { content: [{ type: 'text', text: `slept ${args.ms}` }] };
    });
    server.registerTool('echo_headers', {
      description: 'Returns the Authorization and X-* headers of the request.',
      inputSchema: {},
    }, async (args, extra) => {
      const headers = extra.requestInfo?.headers ?? {};
      record('echo_headers', args, headers);
      const picked = Object.fromEntries(Object.entries(headers).filter(([k]) => k === 'authorization' || k.startsWith('x-')));
      return { content: [{ type: 'text', text: JSON.stringify(picked) }] };
    });
    server.registerTool('read_notes', {
      description: 'Reads notes.',
      inputSchema: {},
      annotations: { readOnlyHint: true },
    }, async (args, extra) => {
      record('read_notes', args, extra.requestInfo?.headers);
      return { content: [{ type: 'text', text: 'first note' }, { type: 'text', text: 'second note' }, { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' }] };
    });
    // Count tools/list without replacing the SDK's own handler: wrap the one McpServer installed.
    const inner = server.server as unknown as { _requestHandlers: Map<string, (...a: unknown[]) => unknown> };
    const original = inner._requestHandlers.get('tools/list');
    if (original) {
      inner._requestHandlers.set('tools/list', (...a: unknown[]) => {
        listCount++;
        return original(...a);
      });
    }
    return server;
  };

  const streamable = new Map<string, StreamableHTTPServerTransport>();
  const legacy = new Map<string, SSEServerTransport>();
  const servers: McpServer[] = [];
  const sseMode = opts.transport === 'sse';

  const http = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    requests.push({ method: req.method ?? '', path, headers: req.headers });
    void (sseMode ? handleLegacy(req, res, path) : handleStreamable(req, res, path)).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });

  async function handleStreamable(req: IncomingMessage, res: ServerResponse, path: string) {
    if (path !== '/mcp') return void res.writeHead(404).end();
    const sid = req.headers['mcp-session-id'];
    const existing = typeof sid === 'string' ? streamable.get(sid) : undefined;
    if (existing) return existing.handleRequest(req, res);
    if (req.method !== 'POST') return void res.writeHead(400).end();
    const body = JSON.parse(await readBody(req));
    if (!isInitializeRequest(body)) return void res.writeHead(400).end();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void streamable.set(id, transport),
    });
    transport.onclose = () => {
      if (transport.sessionId) streamable.delete(transport.sessionId);
    };
    const server = newMcpServer();
    servers.push(server);
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  async function handleLegacy(req: IncomingMessage, res: ServerResponse, path: string) {
    if (path === '/sse' && req.method === 'GET') {
      const transport = new SSEServerTransport('/messages', res);
      legacy.set(transport.sessionId, transport);
      res.on('close', () => legacy.delete(transport.sessionId));
      const server = newMcpServer();
      servers.push(server);
      await server.connect(transport);
      return;
    }
    if (path === '/messages' && req.method === 'POST') {
      const sid = new URL(req.url ?? '/', 'http://x').searchParams.get('sessionId') ?? '';
      const transport = legacy.get(sid);
      if (!transport) return void res.writeHead(404).end();
      return transport.handlePostMessage(req, res);
    }
    res.writeHead(path === '/sse' ? 405 : 404, { allow: 'GET' }).end();
  }

  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const { port } = http.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  const url = sseMode ? `${base}/sse` : `${base}/mcp`;

  return {
    url,
    sseUrl: sseMode ? url : undefined,
    calls,
    requests,
    cancelled,
    get listCount() {
      return listCount;
    },
    async close() {
      await Promise.allSettled(servers.map((s) => s.close()));
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
