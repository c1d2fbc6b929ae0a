/** Child process: the fake Chat Completions upstream (test/fakes), answering `echo: <last user text>`. */
import { startFakeChatCompletions } from '../test/fakes/fake-chat-completions.js';
import { serveParent } from './child-process.js';

const fake = await startFakeChatCompletions();

// The fake records every request; keep only the newest so memory stays flat under load (the chain bench asks
// for the last body Switchboard sent, to replay an equivalent request against the upstream directly).
const trim = setInterval(() => { if (fake.received.length > 1) fake.received.splice(0, fake.received.length - 1); }, 200);
trim.unref();

serveParent(
  { baseUrl: fake.baseUrl },
  {
    'last-body': () => ({ body: fake.received.at(-1)?.body ?? null }),
  },
  async () => { clearInterval(trim); await fake.close(); },
);
