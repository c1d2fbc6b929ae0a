/**
 * Files uploaded to Switchboard reach each provider in the form it accepts; remote URLs are fetched (safely)
 * for providers that cannot fetch them; stored items keep the reference, not the bytes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toFile } from 'openai';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import { startFakeGemini } from '../fakes/fake-gemini.js';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { startSwitchboard, type TestServer } from '../helpers/switchboard.js';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

let anthropic: FakeAnthropic;
let gemini: FakeUpstream;
let chat: FakeUpstream;
let images: Server;
let imageUrl: string;
let sb: TestServer;
let strict: TestServer;

before(async () => {
  anthropic = await startFakeAnthropic();
  gemini = await startFakeGemini();
  chat = await startFakeChatCompletions();
  images = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'image/png' }); res.end(PNG); });
  await new Promise<void>((r) => images.listen(0, '127.0.0.1', () => r()));
  imageUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}/cat.png`;
  const providers = [
    { name: 'anthropic', kind: 'anthropic', base_url: anthropic.baseUrl, api_key: 'k' },
    { name: 'gemini', kind: 'gemini', base_url: gemini.baseUrl, api_key: 'k' },
    { name: 'chat', kind: 'openai-chat', base_url: chat.baseUrl },
  ];
  sb = await startSwitchboard({ providers, fetch: { allow_hosts: ['127.0.0.1'] } });
  strict = await startSwitchboard({ providers });
});
after(async () => {
  await sb.close(); await strict.close(); await anthropic.close(); await gemini.close(); await chat.close();
  await new Promise<void>((r) => images.close(() => r()));
});

test('an uploaded PDF (file_id) reaches Anthropic as a base64 document; the stored item keeps the file_id', async () => {
  const client = sb.client();
  const file = await client.files.create({ file: await toFile(PDF, 'report.pdf', { type: 'application/pdf' }), purpose: 'user_data' });
  assert.match(file.id, /^file-/);
  const r = await client.responses.create({
    model: 'anthropic/claude-sonnet-4-5',
    input: [{ role: 'user', content: [{ type: 'input_file', file_id: file.id }, { type: 'input_text', text: 'summarize' }] }],
  });
  const doc = anthropic.received.at(-1)!.body.messages[0].content[0];
  assert.equal(doc.type, 'document');
  assert.equal(doc.source.type, 'base64');
  assert.equal(doc.source.media_type, 'application/pdf');
  assert.deepEqual(Buffer.from(doc.source.data, 'base64'), PDF);
  const items = await client.responses.inputItems.list(r.id);
  assert.equal((items.data[0] as any).content[0].file_id, file.id);
  assert.equal((items.data[0] as any).content[0].file_data, undefined);
});

test('an image URL is fetched for Gemini and inlined; Anthropic gets the URL itself', async () => {
  const input = [{ role: 'user' as const, content: [{ type: 'input_image' as const, image_url: imageUrl, detail: 'auto' as const }, { type: 'input_text' as const, text: 'what is it' }] }];
  await sb.client().responses.create({ model: 'gemini/gemini-2.5-flash', input });
  const part = gemini.received.at(-1)!.body.contents[0].parts[0];
  assert.equal(part.inlineData.mimeType, 'image/png');
  assert.deepEqual(Buffer.from(part.inlineData.data, 'base64'), PNG);
  await sb.client().responses.create({ model: 'anthropic/claude-sonnet-4-5', input });
  const block = anthropic.received.at(-1)!.body.messages[0].content[0];
  assert.deepEqual(block.source, { type: 'url', url: imageUrl });
});

test('loopback URLs are refused unless allow-listed: 400, nothing stored, nothing sent', async () => {
  const before = gemini.received.length;
  const res = await strict.post('/v1/responses', {
    model: 'gemini/gemini-2.5-flash',
    input: [{ role: 'user', content: [{ type: 'input_image', image_url: imageUrl }] }],
  });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error.code, 'url_not_allowed');
  assert.equal(gemini.received.length, before);
  const n = await strict.db.selectFrom('responses').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  assert.equal(Number(n.n), 0);
});

test('an unknown file_id → 400 file_not_found', async () => {
  const res = await sb.post('/v1/responses', {
    model: 'chat/m', input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-doesnotexist' }] }],
  });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error.code, 'file_not_found');
});
