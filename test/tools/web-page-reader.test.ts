/**
 * The page reader against real pages on loopback, fetched through the real SafeFetcher: HTML → the article's
 * text (navigation, scripts and footers gone), plain text and Markdown as they are, binary types refused,
 * loopback refused unless allow-listed (and then nothing reaches the server), charsets, redirects, time limit
 * and cancellation. Then findInPage.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SafeFetcher } from '../../src/content/safe-fetch.js';
import { findInPage, PageReader, readHtml } from '../../src/tools/web-search/page-reader.js';
import { WebSearchError } from '../../src/tools/web-search/web-search-error.js';
import { startFakeSearxng, type FakeSearxng } from '../fakes/fake-searxng.js';
import { APOLLO_HTML as ARTICLE_HTML, APOLLO_PARAGRAPHS as PARAS } from '../fakes/fake-web-pages.js';


let fake: FakeSearxng;
let loopbackReader: PageReader;
let hang: Server;
let hangUrl: string;
let hangClosed = 0;

before(async () => {
  fake = await startFakeSearxng({
    pages: {
      '/apollo': { contentType: 'text/html; charset=utf-8', body: ARTICLE_HTML },
      '/notes.txt': { contentType: 'text/plain; charset=utf-8', body: 'Line one.\nLine two: ünïcödé 🚀\n\n\n\nLine three.' },
      '/readme.md': { contentType: 'text/markdown', body: '# Title\n\nSome *markdown* with a [link](https://example.com).' },
      '/logo.png': { contentType: 'image/png', body: Buffer.from('89504e470d0a1a0a', 'hex') },
      '/paper.pdf': { contentType: 'application/pdf', body: '%PDF-1.7 ...' },
      '/legacy': { contentType: 'text/html', body: Buffer.from('<html><head><meta charset="windows-1252"><title>Caf\xe9</title></head><body><p>Cr\xe8me br\xfbl\xe9e \x96 dessert</p></body></html>', 'latin1') },
      '/unlabelled': { contentType: 'text/plain', body: Buffer.from('na\xefve caf\xe9', 'latin1') },
      '/untyped': { body: '<!DOCTYPE html><html><body><p>No content type at all.</p></body></html>' },
      '/moved': { redirect: '/apollo' },
      '/frames': { contentType: 'text/html', body: '<html><head><title>Framed</title></head><frameset><frame src="/a"></frameset></html>' },
    },
  });
  loopbackReader = new PageReader(new SafeFetcher({ allowHosts: ['127.0.0.1'], timeoutMs: 5000 }), { timeoutMs: 5000 });
  hang = createServer((req) => {
    req.socket.on('close', () => hangClosed++);
  });
  await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
  hangUrl = `http://127.0.0.1:${(hang.address() as AddressInfo).port}/slow`;
});
after(async () => {
  await fake.close();
  hang.closeAllConnections();
  await new Promise<void>((r) => hang.close(() => r()));
});

async function fails(p: Promise<unknown>, code: string, match?: RegExp): Promise<WebSearchError> {
  const err = await p.then(() => null, (e: unknown) => e);
  assert.ok(err instanceof WebSearchError, `expected a WebSearchError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  if (match) assert.match(err.message, match);
  return err;
}

describe('reading pages', () => {
  test('HTML: Readability picks the article; navigation, sidebar, footer and scripts are gone', async () => {
    const page = await loopbackReader.open(`${fake.url}/apollo`);
    assert.equal(page.url, `${fake.url}/apollo`);
    assert.match(page.title, /Apollo 11/);
    for (const p of PARAS) assert.ok(page.text.includes(p), `missing paragraph: ${p.slice(0, 40)}`);
    assert.match(page.text, /^- Buzz Aldrin, lunar module pilot$/m, 'list items on their own lines');
    assert.match(page.text, /^## Crew$/m, 'headings on their own lines');
    for (const junk of ['trackingPixel', 'beacon', 'Shop', 'Gemini programme', 'Copyright', 'Cookie settings', 'color: red']) {
      assert.ok(!page.text.includes(junk), `'${junk}' should not be in the text`);
    }
    // Paragraphs stay separate lines, so excerpts can be cut along them.
    assert.ok(page.text.indexOf(PARAS[0]) < page.text.indexOf(PARAS[1]));
    assert.ok(!page.text.includes(`${PARAS[0]}${PARAS[1]}`));
  });

  test('plain text and Markdown are returned as they are (whitespace tidied)', async () => {
    const txt = await loopbackReader.open(`${fake.url}/notes.txt`);
    assert.equal(txt.text, 'Line one.\nLine two: ünïcödé 🚀\n\nLine three.');
    assert.equal(txt.title, `${fake.url}/notes.txt`, 'no title in plain text: the URL stands in');
    const md = await loopbackReader.open(`${fake.url}/readme.md`);
    assert.equal(md.text, '# Title\n\nSome *markdown* with a [link](https://example.com).');
    assert.equal(md.title, 'Title', 'a leading Markdown heading is the title');
  });

  test('binary types are refused, saying which type and what can be read', async () => {
    await fails(loopbackReader.open(`${fake.url}/logo.png`), 'page_unsupported_type', /logo\.png is image\/png, which cannot be read as text \(HTML, plain text and Markdown/);
    await fails(loopbackReader.open(`${fake.url}/paper.pdf`), 'page_unsupported_type', /application\/pdf/);
  });

  test('loopback is refused by the outbound policy unless allow-listed, and nothing reaches the server', async () => {
    const strict = new PageReader(new SafeFetcher({ timeoutMs: 5000 }));
    const before = fake.pageHits.length;
    await fails(strict.open(`${fake.url}/apollo`), 'page_not_allowed', /127\.0\.0\.1 is a loopback address/);
    await fails(strict.open('http://localhost:1/x'), 'page_not_allowed', /loopback/);
    await fails(strict.open('http://169.254.169.254/latest/meta-data/'), 'page_not_allowed', /link-local/);
    await fails(strict.open('file:///etc/passwd'), 'page_not_allowed', /http and https/);
    assert.equal(fake.pageHits.length, before);
  });

  test('charsets: a <meta charset> is honoured; unlabelled non-UTF-8 bytes are read as windows-1252', async () => {
    const legacy = await loopbackReader.open(`${fake.url}/legacy`);
    assert.equal(legacy.title, 'Café');
    assert.match(legacy.text, /Crème brûlée – dessert/);
    const unlabelled = await loopbackReader.open(`${fake.url}/unlabelled`);
    assert.equal(unlabelled.text, 'naïve café');
  });

  test('no content type: HTML is recognised by its start', async () => {
    const page = await loopbackReader.open(`${fake.url}/untyped`);
    assert.match(page.text, /No content type at all\./);
    assert.ok(!page.text.includes('<p>'));
  });

  test('redirects are followed (each hop vetted by the fetcher) and the final URL is reported', async () => {
    const page = await loopbackReader.open(`${fake.url}/moved`);
    assert.equal(page.url, `${fake.url}/apollo`);
    assert.ok(page.text.includes(PARAS[0]));
  });

  test('a page Readability finds nothing in: the text is empty, not an error', async () => {
    const page = await loopbackReader.open(`${fake.url}/frames`);
    assert.equal(page.text, '');
    assert.equal(page.title, 'Framed');
  });

  test('404: page_fetch_failed naming the status', async () => {
    await fails(loopbackReader.open(`${fake.url}/missing`), 'page_fetch_failed', /HTTP 404/);
  });

  test('a page that never answers: page_timeout after timeoutMs', async () => {
    const quick = new PageReader(new SafeFetcher({ allowHosts: ['127.0.0.1'], timeoutMs: 60_000 }), { timeoutMs: 300 });
    const started = Date.now();
    await fails(quick.open(hangUrl), 'page_timeout', /did not load within 300 ms/);
    assert.ok(Date.now() - started < 5000);
  });

  test('cancelling ends the fetch and closes its connection', async () => {
    const closedBefore = hangClosed;
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    await fails(loopbackReader.open(hangUrl, ac.signal), 'aborted');
    for (let i = 0; i < 100 && hangClosed === closedBefore; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(hangClosed > closedBefore, 'the server saw the connection close');
  });

  test('too many elements for Readability: the body is read instead, without page furniture', () => {
    const html = `<html><head><title>Big</title></head><body><nav>Menu Menu</nav><div>${'<span>word</span> '.repeat(60)}</div><p>Closing line.</p><footer>Footer text</footer></body></html>`;
    const page = readHtml(html, 'https://example.com/big', 20);
    assert.match(readHtml(html, 'https://example.com/big').text, /Menu Menu/, 'below the limit Readability (which keeps this tiny nav) runs');
    assert.match(page.text, /^(word ){59}word\n\nClosing line\.$/);
    assert.equal(page.title, 'Big');
    assert.ok(!page.text.includes('Menu') && !page.text.includes('Footer'));
  });
});

describe('findInPage', () => {
  const text = 'The Eagle has landed. Houston, Tranquility Base here. The EAGLE has landed.\n'
    + `${'filler words here '.repeat(40)}Later the eagle lifted off. A café (with prices in $) was not on the Moon.`;

  test('case-insensitive matches with context either side, cut at word boundaries', () => {
    const found = findInPage(text, 'eagle', { context: 30 });
    assert.equal(found.length, 2, JSON.stringify(found));
    assert.equal(found[0], 'The Eagle has landed. Houston, Tranquility Base here. The EAGLE has landed. filler words here…', 'two close matches share one excerpt');
    assert.equal(found[1], '…filler words here Later the eagle lifted off. A café (with…');
  });

  test('the pattern is literal text, not a regular expression; non-ASCII matches case-insensitively', () => {
    assert.equal(findInPage(text, '(with prices in $)', { context: 5 }).length, 1);
    assert.equal(findInPage(text, '.*').length, 0);
    assert.match(findInPage(text, 'CAFÉ', { context: 4 })[0], /café/);
  });

  test('no match, an empty pattern: nothing; the number of excerpts is capped', () => {
    assert.deepEqual(findInPage(text, 'saturn'), []);
    assert.deepEqual(findInPage(text, '   '), []);
    assert.equal(findInPage('x a '.repeat(500), 'a', { context: 1, limit: 3 }).length, 3);
  });
});
