/**
 * Child process: the fake Chat Completions upstream (test/fakes) for the tool-loop bench. `tool-turns` queues
 * `n` answers that each call the `lookup` function (call ids `call_<tag>_<k>`), so a loop of `n` turns
 * ends every turn with a function call for the client to answer.
 */
import { startFakeChatCompletions } from '../test/fakes/fake-chat-completions.js';
import { serveParent } from './child-process.js';

const fake = await startFakeChatCompletions();

// The fake records every request; keep only the newest so memory stays flat.
const trim = setInterval(() => { if (fake.received.length > 1) fake.received.splice(0, fake.received.length - 1); }, 200);
trim.unref();

serveParent(
  { baseUrl: fake.baseUrl },
  {
    'tool-turns': (m: { n: number; tag: string }) => {
      for (let k = 0; k < m.n; k++) {
        fake.enqueue({ kind: 'reply', toolCalls: [{ name: 'lookup', arguments: `{"q":"item ${k}"}`, id: `call_${m.tag}_${k}` }] });
      }
      return {};
    },
    'last-messages': () => ({ count: fake.received.at(-1)?.body?.messages?.length ?? 0 }),
  },
  async () => { clearInterval(trim); await fake.close(); },
);
