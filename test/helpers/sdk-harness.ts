/**
 * What the third-party SDK suites (Vercel AI SDK, OpenAI Agents SDK) share: Switchboard in front of a fake
 * Chat-Completions server (`vllm/m`) and a fake Anthropic server (`claude/…`), no retries; a `fetch` for the
 * SDK that records every JSON body it sends (`sent`, newest last) and holds every answer to the Open Responses
 * oracle (spec-checked-fetch.ts); and a recorder of every TCP connection the
 * process opens, so a suite can check that nothing left loopback.
 */
import { startFakeAnthropic } from '../fakes/fake-anthropic.js';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { recordConnections, type ConnectionRecorder } from './connection-recorder.js';
import { specCheckedFetch } from './spec-checked-fetch.js';
import { startSwitchboard, type TestServer } from './switchboard.js';

export interface SdkHarness {
  chat: FakeUpstream;
  anthropic: FakeUpstream;
  sb: TestServer;
  connections: ConnectionRecorder;
  /** Parsed JSON bodies the SDK sent to Switchboard, newest last. */
  sent: any[];
  /** The fetch to give the SDK: records the body, then sends the request. */
  fetch: typeof fetch;
  close(): Promise<void>;
}

export async function startSdkHarness(): Promise<SdkHarness> {
  const connections = recordConnections();
  const chat = await startFakeChatCompletions();
  const anthropic = await startFakeAnthropic();
  const sb = await startSwitchboard({
    providers: [
      { name: 'vllm', kind: 'openai-chat', base_url: chat.baseUrl, models: ['m'], retry: { max: 0 } },
      { name: 'claude', kind: 'anthropic', base_url: anthropic.baseUrl, api_key: 'ak', retry: { max: 0 } },
    ],
  });
  const sent: any[] = [];
  return {
    chat, anthropic, sb, connections, sent,
    fetch: async (input, init) => {
      if (typeof init?.body === 'string') sent.push(JSON.parse(init.body));
      return specCheckedFetch(input, init);
    },
    async close() {
      connections.stop();
      await sb.close(); await chat.close(); await anthropic.close();
    },
  };
}
