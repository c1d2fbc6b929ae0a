/**
 * McpConnector against a real MCP server (the SDK's McpServer) on loopback: listing and calling over Streamable
 * HTTP, the fallback to a legacy SSE-only server, failures turned into `{ok: false}` (tool error, timeout, dead
 * server), cancellation reaching the server, the address policy, and the headers that arrive.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ApiError } from '../../src/api/errors.js';
import { checkMcpHeaders, checkMcpServerUrl, McpConnector, McpError, type McpSession } from '../../src/tools/mcp/mcp-client.js';
import { startMcpServer, type FakeMcpServer } from '../fakes/mcp-server.js';

const LOCAL = { allowHosts: ['127.0.0.1'] };

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(() => assert.fail('expected a rejection'), (e: unknown) => e);
}

async function mcpFailure(p: Promise<unknown>, code: string, match?: RegExp): Promise<McpError> {
  const err = await rejection(p);
  assert.ok(err instanceof McpError, `expected an McpError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  if (match) assert.match(err.message, match);
  return err;
}

/** A port that was just free: nothing listens there. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Streamable HTTP', () => {
  let server: FakeMcpServer;
  let session: McpSession;
  const connector = new McpConnector({ ...LOCAL, callTimeoutMs: 300 });

  before(async () => {
    server = await startMcpServer();
    session = await connector.open({ server_label: 'fake', server_url: server.url });
  });
  after(async () => {
    await session.close();
    await server.close();
  });

  test('the session speaks Streamable HTTP and lists the tools in the mcp_list_tools shape', async () => {
    assert.equal(session.transport, 'streamable-http');
    const before = server.listCount;
    const tools = await session.listTools();
    assert.equal(server.listCount, before + 1);
    assert.deepEqual(tools.map((t) => t.name).sort(), ['add', 'broken', 'delete_file', 'echo_headers', 'read_notes', 'slow']);
    const add = tools.find((t) => t.name === 'add')!;
    assert.equal(add.description, 'Adds two numbers.');
    assert.equal(add.input_schema.type, 'object');
    assert.deepEqual(Object.keys(add.input_schema.properties as object).sort(), ['a', 'b']);
    assert.equal(add.annotations?.readOnlyHint, true);
    assert.equal(tools.find((t) => t.name === 'echo_headers')!.annotations, null);
    assert.ok(!server.requests.some((r) => r.path === '/sse'), 'no fallback attempted');
  });

  test('add returns the sum as text, and the server saw the arguments', async () => {
    const r = await session.callTool('add', { a: 2, b: 40 });
    assert.deepEqual(r, { ok: true, output: '42' });
    assert.deepEqual(server.calls.at(-1)?.args, { a: 2, b: 40 });
  });

  test('text blocks are joined by newlines, other blocks become their JSON', async () => {
    const r = await session.callTool('read_notes', {});
    assert.ok(r.ok);
    const lines = r.output.split('\n');
    assert.deepEqual(lines.slice(0, 2), ['first note', 'second note']);
    assert.deepEqual(JSON.parse(lines[2]), { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' });
  });

  test('a tool result with isError, and a tool that throws, become ok:false with the message', async () => {
    assert.deepEqual(await session.callTool('broken', {}), { ok: false, error: 'disk on fire' });
    const thrown = await session.callTool('broken', { mode: 'throw' });
    assert.equal(thrown.ok, false);
    assert.match((thrown as { error: string }).error, /the broken tool threw/);
  });

  test('invalid arguments and unknown tools are ok:false, not a rejection', async () => {
    const bad = await session.callTool('add', { a: 'two' });
    assert.equal(bad.ok, false);
    assert.match((bad as { error: string }).error, /a|invalid/i);
    const missing = await session.callTool('no_such_tool', {});
    assert.equal(missing.ok, false);
    assert.match((missing as { error: string }).error, /no_such_tool/);
  });

  test('a call longer than callTimeoutMs is ok:false naming the timeout, and the server is told to stop', async () => {
    const cancelledBefore = server.cancelled.length;
    const r = await session.callTool('slow', { ms: 5000 });
    assert.deepEqual(r, { ok: false, error: "MCP server 'fake' did not finish tool 'slow' within 300 ms." });
    await until(() => server.cancelled.length > cancelledBefore);
  });

  test('the session is still usable after a timeout', async () => {
    assert.deepEqual(await session.callTool('add', { a: 1, b: 1 }), { ok: true, output: '2' });
  });

  test('concurrent calls on one session each get their own answer', async () => {
    const results = await Promise.all([1, 2, 3, 4].map((n) => session.callTool('add', { a: n, b: n })));
    assert.deepEqual(results.map((r) => (r.ok ? r.output : r.error)), ['2', '4', '6', '8']);
  });
});

describe('cancellation', () => {
  let server: FakeMcpServer;
  before(async () => {
    server = await startMcpServer();
  });
  after(() => server.close());

  test('aborting the signal rejects callTool with its reason and stops the slow tool on the server', async () => {
    const session = await new McpConnector({ ...LOCAL }).open({ server_label: 'fake', server_url: server.url });
    try {
      const ac = new AbortController();
      const started = Date.now();
      const call = session.callTool('slow', { ms: 10_000 }, ac.signal);
      await until(() => server.calls.some((c) => c.name === 'slow'));
      const reason = new Error('client went away');
      ac.abort(reason);
      assert.equal(await rejection(call), reason);
      assert.ok(Date.now() - started < 5000, 'the call stopped long before the tool would have finished');
      await until(() => server.cancelled.includes('slow'));
    } finally {
      await session.close();
    }
  });

  test('aborting while open waits for a mute server rejects with the reason, not a timeout McpError', async () => {
    const hang = createServer(() => {});
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const { port } = hang.address() as AddressInfo;
    try {
      const ac = new AbortController();
      const opening = new McpConnector({ ...LOCAL, connectTimeoutMs: 10_000 }).open({ server_label: 'mute', server_url: `http://127.0.0.1:${port}/mcp` }, ac.signal);
      setTimeout(() => ac.abort(new Error('request cancelled')), 100);
      const err = await rejection(opening);
      assert.ok(!(err instanceof McpError));
      assert.equal((err as Error).message, 'request cancelled');
    } finally {
      hang.close();
    }
  });

  test('an already aborted signal rejects open with its reason', async () => {
    const ac = new AbortController();
    const reason = new Error('cancelled');
    ac.abort(reason);
    assert.equal(await rejection(new McpConnector(LOCAL).open({ server_label: 'fake', server_url: server.url }, ac.signal)), reason);
  });
});

describe('legacy SSE fallback', () => {
  let server: FakeMcpServer;
  before(async () => {
    server = await startMcpServer({ transport: 'sse' });
  });
  after(() => server.close());

  test('a server that answers the Streamable HTTP POST with 405 is reached over SSE', async () => {
    const session = await new McpConnector(LOCAL).open({
      server_label: 'legacy', server_url: server.sseUrl!, authorization: 'sse-token', headers: { 'X-Tenant': 'acme' },
    });
    try {
      assert.equal(session.transport, 'sse');
      assert.ok(server.requests.some((r) => r.method === 'POST' && r.path === '/sse'), 'Streamable HTTP was tried first');
      assert.ok(server.requests.some((r) => r.method === 'GET' && r.path === '/sse'), 'then the SSE stream was opened');
      const tools = await session.listTools();
      assert.ok(tools.some((t) => t.name === 'add'));
      assert.deepEqual(await session.callTool('add', { a: 20, b: 22 }), { ok: true, output: '42' });
      assert.deepEqual(await session.callTool('broken', {}), { ok: false, error: 'disk on fire' });
      // Every request of the legacy session carried the credentials: the stream and each POST.
      for (const r of server.requests.filter((q) => q.path === '/sse' || q.path === '/messages')) {
        assert.equal(r.headers.authorization, 'Bearer sse-token', `${r.method} ${r.path}`);
        assert.equal(r.headers['x-tenant'], 'acme', `${r.method} ${r.path}`);
      }
    } finally {
      await session.close();
    }
  });
});

describe('failures to open', () => {
  test('a dead server (closed port) is an McpError mcp_connect_failed naming the label, not the address', async () => {
    const port = await closedPort();
    const err = await mcpFailure(new McpConnector(LOCAL).open({ server_label: 'gone', server_url: `http://127.0.0.1:${port}/mcp` }),
      'mcp_connect_failed', /'gone'.*ECONNREFUSED/);
    assert.doesNotMatch(err.message, new RegExp(String(port)));
  });

  test('a server that never answers runs into connectTimeoutMs', async () => {
    const hang = createServer(() => {}); // accepts the connection, never speaks HTTP
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const { port } = hang.address() as AddressInfo;
    try {
      await mcpFailure(new McpConnector({ ...LOCAL, connectTimeoutMs: 300 }).open({ server_label: 'mute', server_url: `http://127.0.0.1:${port}/mcp` }),
        'mcp_connect_failed', /'mute' did not complete the connection within 300 ms/);
    } finally {
      hang.close();
    }
  });

  test('an HTTP server that is not MCP at all fails both transports with a clear message', async () => {
    const server = await startMcpServer();
    try {
      const wrongPath = server.url.replace('/mcp', '/nothing');
      await mcpFailure(new McpConnector(LOCAL).open({ server_label: 'web', server_url: wrongPath }), 'mcp_connect_failed',
        /Streamable HTTP failed \(HTTP 404.*legacy SSE transport/);
    } finally {
      await server.close();
    }
  });

  test('a server that died after the session opened makes calls ok:false', async () => {
    const server = await startMcpServer();
    const session = await new McpConnector(LOCAL).open({ server_label: 'flaky', server_url: server.url });
    try {
      await server.close();
      const r = await session.callTool('add', { a: 1, b: 2 });
      assert.equal(r.ok, false);
      assert.match((r as { error: string }).error, /'flaky'/);
    } finally {
      await session.close();
    }
  });

  test('listTools on a server that died rejects with mcp_list_failed', async () => {
    const server = await startMcpServer();
    const session = await new McpConnector(LOCAL).open({ server_label: 'flaky', server_url: server.url });
    try {
      await server.close();
      await mcpFailure(session.listTools(), 'mcp_list_failed', /'flaky'/);
    } finally {
      await session.close();
    }
  });
});

describe('address policy', () => {
  let server: FakeMcpServer;
  before(async () => {
    server = await startMcpServer();
  });
  after(() => server.close());

  test('loopback is refused without allowHosts, and nothing reaches the server', async () => {
    const seen = server.requests.length;
    await mcpFailure(new McpConnector({ allowHosts: [] }).open({ server_label: 'x', server_url: server.url }),
      'mcp_url_refused', /127\.0\.0\.1 is a loopback address/);
    assert.equal(server.requests.length, seen);
  });

  test('a host name resolving to a private address is refused; allowed by name or CIDR', async () => {
    const url = server.url.replace('127.0.0.1', 'mcp.internal.test');
    const resolve = async () => [{ address: '127.0.0.1', family: 4 }];
    await mcpFailure(new McpConnector({ allowHosts: [], resolve }).open({ server_label: 'x', server_url: url }),
      'mcp_url_refused', /mcp\.internal\.test resolves to 127\.0\.0\.1/);
    for (const allowHosts of [['mcp.internal.test'], ['127.0.0.0/8'], ['*.internal.test']]) {
      const session = await new McpConnector({ allowHosts, resolve }).open({ server_label: 'x', server_url: url });
      assert.deepEqual(await session.callTool('add', { a: 1, b: 2 }), { ok: true, output: '3' }, String(allowHosts));
      await session.close();
    }
  });

  test('the connection is pinned to the vetted address, whatever DNS says next', async () => {
    // First answer is the loopback server; any later lookup would say 10.0.0.1 (refused, and unreachable).
    let lookups = 0;
    const resolve = async () => (lookups++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.255.255.1', family: 4 }]);
    const session = await new McpConnector({ allowHosts: ['127.0.0.1'], resolve }).open({
      server_label: 'x', server_url: server.url.replace('127.0.0.1', 'rebind.test'),
    });
    try {
      assert.deepEqual(await session.callTool('add', { a: 5, b: 5 }), { ok: true, output: '10' });
      assert.equal(lookups, 1);
    } finally {
      await session.close();
    }
  });

  test('non-http schemes and URLs with credentials are refused', async () => {
    const c = new McpConnector(LOCAL);
    await mcpFailure(c.open({ server_label: 'x', server_url: 'file:///etc/passwd' }), 'mcp_url_refused', /http or https/);
    await mcpFailure(c.open({ server_label: 'x', server_url: 'not a url' }), 'mcp_url_refused', /not a valid absolute URL/);
    await mcpFailure(c.open({ server_label: 'x', server_url: server.url.replace('http://', 'http://u:p@') }), 'mcp_url_refused', /credentials/);
  });

  test('checkMcpServerUrl: a 400 url_not_allowed with the given param, or nothing', async () => {
    const err = await rejection(checkMcpServerUrl('http://169.254.169.254/mcp', { allowHosts: [] }, 'tools[0].server_url'));
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 400);
    assert.equal(err.code, 'url_not_allowed');
    assert.equal(err.param, 'tools[0].server_url');
    assert.match(err.message, /link-local/);
    await checkMcpServerUrl(server.url, LOCAL, 'tools[0].server_url');
    await checkMcpServerUrl('https://8.8.8.8/mcp', { allowHosts: [] });
    // A host that does not resolve is not a policy question: open() will fail later.
    await checkMcpServerUrl('https://nowhere.invalid/mcp', { allowHosts: [], resolve: async () => { throw Object.assign(new Error('x'), { code: 'ENOTFOUND' }); } });
  });
});

describe('credentials and connectors', () => {
  let server: FakeMcpServer;
  before(async () => {
    server = await startMcpServer();
  });
  after(() => server.close());

  test('authorization is sent as a Bearer token and headers as given, on every request of the session', async () => {
    const seen = server.requests.length;
    const session = await new McpConnector(LOCAL).open({
      server_label: 'x', server_url: server.url, authorization: 'tok-123', headers: { 'X-Api-Key': 'k-9', 'X-Trace': 't' },
    });
    const r = await session.callTool('echo_headers', {});
    await session.listTools();
    await session.close();
    assert.ok(r.ok);
    assert.deepEqual(JSON.parse(r.output), { authorization: 'Bearer tok-123', 'x-api-key': 'k-9', 'x-trace': 't' });
    const mine = server.requests.slice(seen);
    assert.ok(mine.length >= 4, `initialize, initialized, call, list (and more): got ${mine.length}`);
    for (const q of mine) {
      assert.equal(q.headers.authorization, 'Bearer tok-123', `${q.method} ${q.path}`);
      assert.equal(q.headers['x-api-key'], 'k-9');
    }
  });

  test('a token that already says Bearer is not prefixed twice; authorization wins over an Authorization header', async () => {
    const session = await new McpConnector(LOCAL).open({
      server_label: 'x', server_url: server.url, authorization: 'Bearer abc', headers: { Authorization: 'Basic zzz' },
    });
    const r = await session.callTool('echo_headers', {});
    await session.close();
    assert.ok(r.ok);
    assert.equal(JSON.parse(r.output).authorization, 'Bearer abc');
  });

  test('headers that would break the transport are refused before connecting', async () => {
    const seen = server.requests.length;
    const c = new McpConnector(LOCAL);
    await mcpFailure(c.open({ server_label: 'x', server_url: server.url, headers: { Host: 'evil.test' } }), 'mcp_invalid_headers', /'Host'/);
    await mcpFailure(c.open({ server_label: 'x', server_url: server.url, headers: { 'X-A': 'a\r\nX-B: b' } }), 'mcp_invalid_headers', /line break/);
    await mcpFailure(c.open({ server_label: 'x', server_url: server.url, headers: { 'bad name': 'v' } }), 'mcp_invalid_headers');
    assert.equal(server.requests.length, seen);
  });

  test('checkMcpHeaders: the up-front 400 invalid_value with the given param, naming the header but not the value', () => {
    checkMcpHeaders({ 'X-Api-Key': 'fine' }, 'tools[0].headers');
    checkMcpHeaders(null);
    for (const bad of [{ 'Mcp-Session-Id': 'x' }, { 'X-A': 'v\nsecret' }, { 'X-A': 5 }, ['X-A'], 'X-A: b']) {
      let err: unknown;
      try {
        checkMcpHeaders(bad, 'tools[0].headers');
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof ApiError, JSON.stringify(bad));
      assert.equal(err.status, 400);
      assert.equal(err.code, 'invalid_value');
      assert.equal(err.param, 'tools[0].headers');
      assert.doesNotMatch(err.message, /secret/);
    }
  });

  test('connector_id maps to the operator URL (trusted: loopback allowed) with its headers under the request ones', async () => {
    const c = new McpConnector({
      allowHosts: [],
      connectors: { connector_notes: { url: server.url, headers: { 'X-Connector': 'notes', 'X-Trace': 'op' } } },
    });
    const session = await c.open({ server_label: 'notes', connector_id: 'connector_notes', authorization: 'oauth-1', headers: { 'X-Trace': 'client' } });
    const r = await session.callTool('echo_headers', {});
    await session.close();
    assert.ok(r.ok);
    assert.deepEqual(JSON.parse(r.output), { authorization: 'Bearer oauth-1', 'x-connector': 'notes', 'x-trace': 'client' });
  });

  test('an unknown connector_id, both or neither of server_url and connector_id', async () => {
    const c = new McpConnector({ ...LOCAL, connectors: {} });
    await mcpFailure(c.open({ server_label: 'x', connector_id: 'connector_dropbox' }), 'mcp_connector_unknown', /connector_dropbox/);
    await mcpFailure(c.open({ server_label: 'x', connector_id: 'toString' }), 'mcp_connector_unknown');
    await mcpFailure(c.open({ server_label: 'x', connector_id: 'a', server_url: server.url }), 'mcp_invalid_spec');
    await mcpFailure(c.open({ server_label: 'x' }), 'mcp_invalid_spec');
  });

  test('no error message carries the token or header values', async () => {
    const port = await closedPort();
    const err = await mcpFailure(new McpConnector(LOCAL).open({
      server_label: 'x', server_url: `http://127.0.0.1:${port}/mcp`, authorization: 'sekret-token', headers: { 'X-Key': 'sekret-header' },
    }), 'mcp_connect_failed');
    assert.doesNotMatch(err.message, /sekret/);
    const bad = await mcpFailure(new McpConnector(LOCAL).open({
      server_label: 'x', server_url: server.url, headers: { 'X-Key': 'sekret\nvalue' },
    }), 'mcp_invalid_headers');
    assert.doesNotMatch(bad.message, /sekret/);
  });
});
