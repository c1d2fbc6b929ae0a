/**
 * SafeFetcher against real HTTP servers on loopback: what is refused (and that nothing reached the server),
 * what an allow-list lets through, the byte and time limits, and redirects vetted hop by hop.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError } from '../../src/api/errors.js';
import { classifyAddress, parseIp, SafeFetcher } from '../../src/content/safe-fetch.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

let server: Server;
let port: number;
const received: { path: string; headers: Record<string, unknown> }[] = [];

before(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    received.push({ path: url.pathname, headers: req.headers });
    switch (url.pathname) {
      case '/image.png':
        res.writeHead(200, { 'content-type': 'image/png; charset=binary', 'content-length': PNG.length });
        res.end(PNG);
        return;
      case '/big':
        res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': 5000 });
        res.end(Buffer.alloc(5000, 1));
        return;
      case '/big-chunked': {
        // No content-length: the limit must trip while streaming.
        res.writeHead(200, { 'content-type': 'application/pdf' });
        let sent = 0;
        const tick = () => {
          if (sent >= 50 || res.destroyed) return res.end();
          sent++;
          res.write(Buffer.alloc(500, 2), () => setImmediate(tick));
        };
        tick();
        return;
      }
      case '/hang':
        return; // never answers
      case '/redirect':
        res.writeHead(302, { location: url.searchParams.get('to')! });
        res.end();
        return;
      case '/loop':
        res.writeHead(307, { location: '/loop' });
        res.end();
        return;
      case '/missing':
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('nope');
        return;
      default:
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`path ${url.pathname}`);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

async function refused(p: Promise<unknown>, code: string, match?: RegExp): Promise<ApiError> {
  const err = await p.then(() => null, (e: unknown) => e);
  assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
  assert.equal(err.status, 400);
  assert.equal(err.code, code, err.message);
  if (match) assert.match(err.message, match);
  return err;
}

function requestsTo(path: string) {
  return received.filter((r) => r.path === path).length;
}

describe('address classifier', () => {
  const blocked: [string, RegExp][] = [
    ['127.0.0.1', /loopback/], ['127.255.255.254', /loopback/], ['10.1.2.3', /private/], ['172.16.0.1', /private/],
    ['172.31.255.255', /private/], ['192.168.1.1', /private/], ['169.254.169.254', /link-local/],
    ['100.64.0.1', /carrier-grade/], ['100.127.255.255', /carrier-grade/], ['0.0.0.0', /unspecified/],
    ['224.0.0.1', /multicast/], ['239.255.255.250', /multicast/], ['255.255.255.255', /reserved/],
    ['192.0.0.170', /reserved/], ['198.18.0.1', /benchmarking/],
    ['::1', /loopback/], ['::', /unspecified/], ['fe80::1', /link-local/], ['fe80::1%eth0', /link-local/],
    ['febf::1', /link-local/], ['fc00::1', /unique local/], ['fd12:3456::1', /unique local/], ['ff02::1', /multicast/],
    ['::ffff:127.0.0.1', /IPv4-mapped loopback/], ['::ffff:7f00:1', /IPv4-mapped loopback/],
    ['::ffff:10.0.0.1', /IPv4-mapped private/], ['::ffff:169.254.169.254', /IPv4-mapped link-local/],
    ['::ffff:0.0.0.0', /IPv4-mapped unspecified/], ['::127.0.0.1', /IPv4-compatible loopback/],
    ['64:ff9b::a9fe:a9fe', /NAT64 link-local/], ['2002:c0a8:0101::1', /6to4 private/], ['2001:0:4136:e378::1', /Teredo/],
  ];
  for (const [ip, reason] of blocked) {
    test(`${ip} is refused`, () => assert.match(classifyAddress(ip) ?? 'public', reason));
  }
  const open = ['8.8.8.8', '1.1.1.1', '172.32.0.1', '172.15.255.255', '100.128.0.1', '100.63.255.255', '192.169.0.1',
    '11.0.0.1', '2606:4700:4700::1111', '2001:4860:4860::8888', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:0808:0808::1'];
  for (const ip of open) test(`${ip} is public`, () => assert.equal(classifyAddress(ip), null));

  test('IPv6 parsing handles :: anywhere and a dotted IPv4 tail', () => {
    assert.equal(parseIp('::ffff:1.2.3.4')!.value, 0xffff01020304n);
    assert.equal(parseIp('1::')!.value, 1n << 112n);
    assert.equal(parseIp('1:2:3:4:5:6:7:8')!.value, 0x00010002000300040005000600070008n);
    assert.equal(parseIp('fe80::1:2')!.value, (0xfe80n << 112n) | 0x00010002n);
    assert.equal(parseIp('not an ip'), null);
  });
});

describe('refusals that need no connection', () => {
  const fetcher = new SafeFetcher({ timeoutMs: 2000 });

  test('non-http schemes and malformed URLs', async () => {
    await refused(fetcher.fetch('file:///etc/passwd'), 'url_not_allowed', /http and https/);
    await refused(fetcher.fetch('ftp://example.com/x'), 'url_not_allowed');
    await refused(fetcher.fetch('data:text/plain,hi'), 'url_not_allowed');
    await refused(fetcher.fetch('gopher://127.0.0.1:70/'), 'url_not_allowed');
    await refused(fetcher.fetch('/relative/path'), 'url_not_allowed', /valid absolute URL/);
    await refused(fetcher.fetch('http://user:pw@example.com/'), 'url_not_allowed', /credentials/);
  });

  test('the cloud metadata address, in every spelling', async () => {
    for (const u of ['http://169.254.169.254/latest/meta-data/', 'http://[::ffff:169.254.169.254]/', 'http://[::ffff:a9fe:a9fe]/',
      'http://0251.0376.0251.0376/', 'http://2852039166/']) {
      await refused(fetcher.fetch(u), 'url_not_allowed', /link-local/);
    }
  });

  test('a name resolving to any private address is refused, even among public ones', async () => {
    const f = new SafeFetcher({ resolve: async () => [{ address: '93.184.215.14', family: 4 }, { address: '10.0.0.7', family: 4 }] });
    await refused(f.fetch('http://mixed.test/x'), 'url_not_allowed', /mixed\.test resolves to 10\.0\.0\.7/);
  });

  test('an unresolvable name is a fetch failure', async () => {
    const f = new SafeFetcher({ resolve: async () => { throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }); } });
    await refused(f.fetch('http://nowhere.invalid/'), 'url_fetch_failed', /could not resolve host 'nowhere\.invalid' \(ENOTFOUND\)/);
  });

  test('a bad allow-list entry fails at construction', () => {
    assert.throws(() => new SafeFetcher({ allowHosts: ['10.0.0.0/99'] }), /invalid address or CIDR/);
  });
});

describe('fetching from loopback', () => {
  test('loopback is refused by default and the server never hears of it', async () => {
    const before = requestsTo('/image.png');
    await refused(new SafeFetcher().fetch(`http://127.0.0.1:${port}/image.png`), 'url_not_allowed', /127\.0\.0\.1 is a loopback address/);
    await refused(new SafeFetcher().fetch(`http://[::1]:${port}/image.png`), 'url_not_allowed', /loopback/);
    assert.equal(requestsTo('/image.png'), before);
  });

  test('allowed when 127.0.0.1 is allow-listed: bytes, media type, identity encoding', async () => {
    const f = new SafeFetcher({ allowHosts: ['127.0.0.1'] });
    const got = await f.fetch(`http://127.0.0.1:${port}/image.png`);
    assert.deepEqual(got.bytes, PNG);
    assert.equal(got.contentType, 'image/png');
    assert.equal(got.url, `http://127.0.0.1:${port}/image.png`);
    const seen = received.at(-1)!;
    assert.equal(seen.path, '/image.png');
    assert.equal(seen.headers['accept-encoding'], 'identity');
    assert.equal(seen.headers.host, `127.0.0.1:${port}`);
  });

  test('a CIDR allow-list entry works too', async () => {
    const got = await new SafeFetcher({ allowHosts: ['127.0.0.0/8'] }).fetch(`http://127.0.0.1:${port}/cidr`);
    assert.equal(got.bytes.toString(), 'path /cidr');
  });

  test('an allow-listed host name connects to the address vetted for it (pinned: no second lookup)', async () => {
    // System DNS does not know `files.internal`; the fetch can only succeed by connecting where we resolved.
    // A rebinding resolver would answer 10.0.0.1 the second time: there must be no second time.
    let lookups = 0;
    const f = new SafeFetcher({
      allowHosts: ['files.internal'],
      resolve: async (host) => {
        assert.equal(host, 'files.internal');
        return lookups++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.0.0.1', family: 4 }];
      },
    });
    const got = await f.fetch(`http://files.internal:${port}/pinned`);
    assert.equal(got.bytes.toString(), 'path /pinned');
    assert.equal(lookups, 1);
    assert.equal(received.at(-1)!.headers.host, `files.internal:${port}`);
  });

  test('"*.suffix" allow-list entries match subdomains only', async () => {
    const f = new SafeFetcher({ allowHosts: ['*.corp.test'], resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    assert.equal((await f.fetch(`http://a.corp.test:${port}/w`)).bytes.toString(), 'path /w');
    await refused(f.fetch(`http://corp.test:${port}/w`), 'url_not_allowed');
    await refused(f.fetch(`http://evilcorp.test:${port}/w`), 'url_not_allowed');
  });

  test('the real resolver: localhost allow-listed by name', async () => {
    const got = await new SafeFetcher({ allowHosts: ['localhost'] }).fetch(`http://localhost:${port}/by-name`);
    assert.equal(got.bytes.toString(), 'path /by-name');
    await refused(new SafeFetcher().fetch(`http://localhost:${port}/by-name`), 'url_not_allowed', /localhost resolves to/);
  });
});

describe('limits', () => {
  const f = new SafeFetcher({ allowHosts: ['127.0.0.1'], maxBytes: 1000 });

  test('a declared length over the limit is refused before reading', async () => {
    await refused(f.fetch(`http://127.0.0.1:${port}/big`), 'url_too_large', /limit of 1000 bytes/);
  });

  test('an undeclared length is cut off while streaming', async () => {
    await refused(f.fetch(`http://127.0.0.1:${port}/big-chunked`), 'url_too_large');
  });

  test('a server that never answers times out on the total time limit', async () => {
    const started = Date.now();
    await refused(new SafeFetcher({ allowHosts: ['127.0.0.1'], timeoutMs: 300 }).fetch(`http://127.0.0.1:${port}/hang`), 'url_timeout', /300 ms/);
    const ms = Date.now() - started;
    assert.ok(ms >= 280 && ms < 2000, `took ${ms} ms`);
  });

  test('non-2xx answers are failures', async () => {
    await refused(f.fetch(`http://127.0.0.1:${port}/missing`), 'url_fetch_failed', /HTTP 404/);
  });
});

describe('redirects', () => {
  test('followed, each hop re-vetted', async () => {
    const f = new SafeFetcher({ allowHosts: ['127.0.0.1'] });
    const got = await f.fetch(`http://127.0.0.1:${port}/redirect?to=/image.png`);
    assert.deepEqual(got.bytes, PNG);
    assert.equal(got.url, `http://127.0.0.1:${port}/image.png`);
  });

  test('to another loopback address is refused even though the first host was allowed', async () => {
    const f = new SafeFetcher({ allowHosts: ['127.0.0.1'] });
    const before = requestsTo('/secret');
    await refused(f.fetch(`http://127.0.0.1:${port}/redirect?to=${encodeURIComponent(`http://127.0.0.2:${port}/secret`)}`),
      'url_not_allowed', /127\.0\.0\.2 is a loopback address/);
    assert.equal(requestsTo('/secret'), before);
  });

  test('from a host allowed by name to the metadata address is refused', async () => {
    const f = new SafeFetcher({ allowHosts: ['localhost'] });
    await refused(f.fetch(`http://localhost:${port}/redirect?to=${encodeURIComponent('http://169.254.169.254/latest/meta-data/')}`),
      'url_not_allowed', /169\.254\.169\.254 is a link-local address/);
  });

  test('to a non-http scheme is refused', async () => {
    const f = new SafeFetcher({ allowHosts: ['127.0.0.1'] });
    await refused(f.fetch(`http://127.0.0.1:${port}/redirect?to=${encodeURIComponent('file:///etc/passwd')}`), 'url_not_allowed', /file:/);
  });

  test('more than maxRedirects hops fail', async () => {
    const before = requestsTo('/loop');
    await refused(new SafeFetcher({ allowHosts: ['127.0.0.1'], maxRedirects: 2 }).fetch(`http://127.0.0.1:${port}/loop`),
      'url_fetch_failed', /more than 2 redirects/);
    assert.equal(requestsTo('/loop') - before, 3);
  });
});
