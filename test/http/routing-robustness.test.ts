/**
 * Malformed percent-encodings and odd paths, sent to every route with every method over a raw socket (no client
 * normalises them first): each answer is a 4xx in the JSON error envelope with an x-request-id, never a 5xx
 * and never a thrown URIError.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startSwitchboard, type TestServer } from '../helpers/switchboard.js';

/** Every route the server has; `{id}` is where an id goes. */
const ROUTES: [method: string, path: string][] = [
  ['POST', '/v1/responses'],
  ['POST', '/v1/responses/input_tokens'],
  ['GET', '/v1/responses/{id}'],
  ['DELETE', '/v1/responses/{id}'],
  ['GET', '/v1/responses/{id}/input_items'],
  ['POST', '/v1/responses/{id}/cancel'],
  ['GET', '/v1/models'],
  ['GET', '/v1/models/{id}'],
  ['GET', '/v1/files'],
  ['POST', '/v1/files'],
  ['GET', '/v1/files/{id}'],
  ['DELETE', '/v1/files/{id}'],
  ['GET', '/v1/files/{id}/content'],
  ['GET', '/health'],
];

const METHODS = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS'];

const BAD_SEGMENTS = [
  '%', '%%', '%E0%A4%A', '%zz', '%0', '%00', '%C0%AF', '%C0%80', '%ED%A0%80', '%F4%90%80%80', '%FF',
  '%E0%A4%A'.repeat(50), 'x'.repeat(5000), '%41'.repeat(2000), '%C3%BC%F0%9F%98%80', '..', '.', 'a%2Fb', '%2e%2e',
  'ü', '😀', 'x\u0001y',
];

/**
 * Paths for a route: each bad segment as its id (or appended), and in front of it — all must be refused (4xx) —
 * and odd shapes of the route itself (doubled slashes, `..`, a garbage query), which may also resolve (2xx).
 */
function paths(template: string): { path: string; mayResolve: boolean }[] {
  const out: { path: string; mayResolve: boolean }[] = [];
  for (const seg of BAD_SEGMENTS) {
    out.push({ path: template.includes('{id}') ? template.replace('{id}', seg) : `${template}/${seg}`, mayResolve: false });
    out.push({ path: `/${seg}${template.replace('{id}', 'resp_x')}`, mayResolve: false });
  }
  const plain = template.replace('{id}', 'resp_x');
  for (const path of [plain.replace(/\//g, '//'), `${plain}/../models`, `${plain}/./`, `${plain}%2F`, `${plain}?x=%zz&y=%`, `${plain}?%E0%A4%A`, `/%2e%2e${plain}`, `${plain}#frag`]) {
    out.push({ path, mayResolve: true });
  }
  return out;
}

interface RawAnswer { status: number; headers: Record<string, string>; body: string }

/** One request over its own socket, the request target sent byte for byte as given. */
function raw(method: string, path: string, port: number): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head, ...rest] = text.split('\r\n\r\n');
      const [statusLine, ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    socket.end(Buffer.from(`${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`, 'utf8'));
  });
}

let sb: TestServer;
let port: number;
before(async () => {
  // A provider that is never reached: every request here is refused before any upstream call.
  sb = await startSwitchboard({ providers: [{ name: 'p', kind: 'openai-chat', base_url: 'http://127.0.0.1:9/v1', models: ['m'] }] });
  port = Number(new URL(sb.url).port);
});
after(() => sb.close());

test('the reported case: GET /v1/models/%E0%A4%A is a 400 envelope, not a 500', async () => {
  const r = await raw('GET', '/v1/models/%E0%A4%A', port);
  assert.equal(r.status, 400);
  assert.equal(JSON.parse(r.body).error.code, 'invalid_path');
  assert.match(r.headers['x-request-id'] ?? '', /^req_/);
});

test('malformed encodings and odd paths on every route and method: 4xx with the JSON envelope, never 5xx', async () => {
  const failures: string[] = [];
  let sent = 0;
  for (const [, template] of ROUTES) {
    for (const { path, mayResolve } of paths(template)) {
      for (const method of METHODS) {
        sent++;
        const r = await raw(method, path, port);
        const where = `${method} ${path.slice(0, 60)}${path.length > 60 ? '…' : ''} → ${r.status}`;
        if (r.status >= 500 || (r.status < 400 && !mayResolve)) { failures.push(where); continue; }
        if (r.status < 400) continue;
        if (!r.headers['x-request-id']) failures.push(`${where}: no x-request-id`);
        let body: any;
        try { body = JSON.parse(r.body); } catch { failures.push(`${where}: not JSON: ${r.body.slice(0, 80)}`); continue; }
        const e = body?.error;
        if (!e || typeof e.message !== 'string' || typeof e.type !== 'string' || !('param' in e) || !('code' in e)) failures.push(`${where}: not the envelope`);
      }
    }
  }
  assert.ok(sent > 1000, `sent ${sent}`);
  assert.deepEqual(failures, []);
});

test('the router keeps what the regex table did (prefixes, trailing slashes, 405 with allow, 404, health), and takes doubled slashes and encoded model ids', async () => {
  const cases: [string, string, number, string?][] = [
    ['GET', '/v1/models', 200], ['GET', '/models', 200], ['GET', '/v5/models/', 200], ['GET', '//v1//models', 200],
    ['GET', '/v1/models/p%2Fm', 200], ['GET', '/v1/models/p/m', 200], ['GET', '/v1/models/p/none', 404, 'model_not_found'],
    ['GET', '/v1/responses', 405, 'method_not_allowed'], ['GET', '/v1/responses/input_tokens', 405, 'method_not_allowed'],
    ['PUT', '/v1/responses/resp_x', 405, 'method_not_allowed'], ['GET', '/vx/models', 404, 'unknown_route'],
    ['GET', '/v1/nothing', 404, 'unknown_route'], ['GET', '/v1/health', 404, 'unknown_route'],
    ['GET', '/health', 200], ['GET', '/healthz/', 200], ['POST', '/v1/responses/', 400],
  ];
  for (const [method, path, status, code] of cases) {
    const r = await raw(method, path, port);
    assert.equal(r.status, status, `${method} ${path}: ${r.body}`);
    assert.match(r.headers['x-request-id'] ?? '', /^req_/);
    if (code) assert.equal(JSON.parse(r.body).error.code, code, `${method} ${path}`);
  }
  assert.equal((await raw('GET', '/v1/responses/input_tokens', port)).headers.allow, 'POST');
  assert.equal((await raw('PATCH', '/v1/responses/resp_x', port)).headers.allow, 'GET, DELETE');
  assert.equal((await raw('PUT', '/files', port)).headers.allow, 'GET, POST');
});

test('/v1 needs a key when keys are configured, /health does not', async () => {
  const locked = await startSwitchboard({ auth: { api_keys: ['sk-a'] } });
  try {
    const p = Number(new URL(locked.url).port);
    assert.equal((await raw('GET', '/v1/models', p)).status, 401);
    assert.equal((await raw('GET', '/health', p)).status, 200);
    assert.equal((await raw('GET', '/v1/models/%zz', p)).status, 400);
  } finally {
    await locked.close();
  }
});
