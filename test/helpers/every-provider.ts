/** Switchboard in front of one fake upstream of each provider kind, named chat / openai / anthropic / gemini. */
import { startFakeAnthropic } from '../fakes/fake-anthropic.js';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import { startFakeGemini } from '../fakes/fake-gemini.js';
import { startFakeResponses } from '../fakes/fake-responses.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { startSwitchboard, type TestServer } from './switchboard.js';

export type ProviderName = 'chat' | 'openai' | 'anthropic' | 'gemini';

export interface EveryProvider {
  sb: TestServer;
  fakes: Record<ProviderName, FakeUpstream>;
  close(): Promise<void>;
}

export async function startEveryProvider(): Promise<EveryProvider> {
  const fakes: Record<ProviderName, FakeUpstream> = {
    chat: await startFakeChatCompletions(),
    openai: await startFakeResponses(),
    anthropic: await startFakeAnthropic(),
    gemini: await startFakeGemini(),
  };
  const sb = await startSwitchboard({
    providers: [
      { name: 'chat', kind: 'openai-chat', base_url: fakes.chat.baseUrl },
      { name: 'openai', kind: 'openai', base_url: fakes.openai.baseUrl, api_key: 'k' },
      { name: 'anthropic', kind: 'anthropic', base_url: fakes.anthropic.baseUrl, api_key: 'k' },
      { name: 'gemini', kind: 'gemini', base_url: fakes.gemini.baseUrl, api_key: 'k' },
    ],
  });
  return {
    sb,
    fakes,
    async close() {
      await sb.close();
      for (const f of Object.values(fakes)) await f.close();
    },
  };
}
