import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import { z } from 'zod';
import { startFakeAnthropic } from '/work/main/test/fakes/fake-anthropic.js';
import { startSwitchboard } from '/work/main/test/helpers/switchboard.js';
let anthropic: any, sb: any, openai: any; const sent: any[] = []; const got: string[] = [];
before(async () => {
  anthropic = await startFakeAnthropic();
  sb = await startSwitchboard({ providers: [{ name: 'claude', kind: 'anthropic', base_url: anthropic.baseUrl, api_key: 'ak', retry: { max: 0 } }] });
  openai = createOpenAI({ baseURL: `${sb.url}/v1`, apiKey: 'x', fetch: async (i: any, init: any) => { if (typeof init?.body === 'string') sent.push(JSON.parse(init.body)); const r = await fetch(i, init); got.push(await r.clone().text()); return r; } });
});
after(async () => { await sb.close(); await anthropic.close(); });
for (const store of [false]) for (const streamed of [false, true]) test(`thinking+tool store=${store} streamed=${streamed}`, async () => {
  anthropic.enqueue(
    { kind: 'reply', reasoning: 'I should call weather', reasoningSignature: 'U0lHMQ==', toolCalls: [{ id: 'toolu_1', name: 'weather', arguments: '{"city":"Rome"}' }] },
    { kind: 'reply', text: 'Sunny.' },
  );
  const before = anthropic.received.length;
  const args: any = { model: openai.responses('claude/claude-sonnet-4-5'), prompt: 'Weather?', tools: { weather: tool({ inputSchema: z.object({ city: z.string() }), execute: async () => 'sunny' }) }, stopWhen: stepCountIs(3),
    providerOptions: { openai: { forceReasoning: true, reasoningEffort: 'low', store } } };
  let text: string, steps: any;
  if (streamed) { const r = streamText(args); for await (const p of r.fullStream) if (p.type === 'error') throw p.error; text = await r.text; steps = await r.steps; }
  else { const r = await generateText(args); text = r.text; steps = r.steps; }
  console.log('reasoning', JSON.stringify(steps[0].reasoning));
  console.log('SENT2', JSON.stringify(sent.at(-1).input), JSON.stringify(sent.at(-1).include), sent.at(-1).store);
  const reqs = anthropic.received.slice(before).map((q: any) => q.body);
  console.log('UP2', JSON.stringify(reqs[1]?.messages));
  assert.equal(text, 'Sunny.');
});
