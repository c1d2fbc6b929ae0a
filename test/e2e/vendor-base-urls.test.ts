/**
 * Vendor variables keep the meaning their own SDKs give them. Switchboard is configured only through the
 * environment (as a user with the vendor's variables already set would run it), the openai SDK asks it for a
 * response, and the fake upstream must have been reached at its real path — not `/v1/v1/messages` (a 404
 * upstream, a 400 to the client).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeAnthropic } from '../fakes/fake-anthropic.js';
import { startFakeGemini } from '../fakes/fake-gemini.js';
import { startFakeResponses } from '../fakes/fake-responses.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { startSwitchboard } from '../helpers/switchboard.js';

let anthropic: FakeUpstream;
let gemini: FakeUpstream;
let openai: FakeUpstream;
before(async () => {
  [anthropic, gemini, openai] = await Promise.all([startFakeAnthropic(), startFakeGemini(), startFakeResponses()]);
});
after(async () => {
  await Promise.all([anthropic.close(), gemini.close(), openai.close()]);
});

/** One answer through Switchboard configured by `env` (and `file`); returns the path the fake was asked at. */
async function roundTrip(fake: FakeUpstream, model: string, env: Record<string, string>, file: Record<string, unknown> = {}): Promise<string> {
  const sb = await startSwitchboard(file, env);
  try {
    const before = fake.received.length;
    const r = await sb.client().responses.create({ model, input: 'ping' });
    assert.equal(r.output_text, 'echo: ping');
    const reached = fake.received.slice(before);
    assert.equal(reached.length, 1);
    return reached[0].path;
  } finally {
    await sb.close();
  }
}

const origin = (baseUrl: string) => new URL(baseUrl).origin;

test('ANTHROPIC_BASE_URL as the Anthropic SDK takes it (no /v1), with /v1, and either with a trailing slash', async () => {
  const host = origin(anthropic.baseUrl);
  for (const url of [host, `${host}/`, `${host}/v1`, `${host}/v1/`]) {
    const path = await roundTrip(anthropic, 'anthropic/claude-test', { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: url });
    assert.equal(path, '/v1/messages', url);
  }
});

test('GEMINI_BASE_URL as the Google GenAI SDK takes it (no /v1beta), with /v1beta, and either with a trailing slash', async () => {
  const host = origin(gemini.baseUrl);
  for (const url of [host, `${host}/`, `${host}/v1beta`, `${host}/v1beta/`]) {
    const path = await roundTrip(gemini, 'gemini/gemini-test', { GEMINI_API_KEY: 'k', GEMINI_BASE_URL: url });
    assert.match(path, /^\/v1beta\/models\/gemini-test:streamGenerateContent\?alt=sse$/, url);
  }
});

test('OPENAI_BASE_URL keeps the OpenAI SDK meaning (it includes /v1), with or without a trailing slash', async () => {
  for (const url of [openai.baseUrl, `${openai.baseUrl}/`]) {
    const path = await roundTrip(openai, 'openai/gpt-test', { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: url });
    assert.equal(path, '/v1/responses', url);
  }
});

test('a file-declared anthropic or gemini provider takes the same forms of base_url', async () => {
  const a = origin(anthropic.baseUrl);
  const g = origin(gemini.baseUrl);
  const file = {
    providers: [
      { name: 'claude', kind: 'anthropic', base_url: a, api_key: 'k' },
      { name: 'claude-v1', kind: 'anthropic', base_url: `${a}/v1/`, api_key: 'k' },
      { name: 'gem', kind: 'gemini', base_url: `${g}/`, api_key: 'k' },
    ],
  };
  assert.equal(await roundTrip(anthropic, 'claude/claude-test', {}, file), '/v1/messages');
  assert.equal(await roundTrip(anthropic, 'claude-v1/claude-test', {}, file), '/v1/messages');
  assert.match(await roundTrip(gemini, 'gem/gemini-test', {}, file), /^\/v1beta\/models\/gemini-test:/);
});
