/**
 * What the third-party client suites over server-side tools share (server-tools-agents-sdk, server-tools-ai-sdk):
 * Switchboard running web search (a fake SearXNG with one page), MCP (the real MCP server fixture, loopback
 * allow-listed), file search (a vector store holding handbook.md) and the code interpreter, in front of a fake
 * Chat-Completions server (`chat/m`) and a fake Anthropic server (`anthropic/m`); a `fetch` for the client that
 * records every JSON body it sends and holds every answer to the Open Responses oracle; a recorder of every TCP
 * connection, so a suite can check that nothing left loopback.
 */
import { toFile } from 'openai';
import { startFakeAnthropic } from '../fakes/fake-anthropic.js';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import { startFakeSearxng } from '../fakes/fake-searxng.js';
import { startMcpServer, type FakeMcpServer } from '../fakes/mcp-server.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { recordConnections, type ConnectionRecorder } from './connection-recorder.js';
import { specCheckedFetch } from './spec-checked-fetch.js';
import { startSwitchboard, type TestServer } from './switchboard.js';

export type Kind = 'chat' | 'anthropic';

export const ARTICLE = `<!doctype html><html><head><title>Switchboard 1.0 released</title></head><body>
<article><h1>Switchboard 1.0 released</h1>
<p>Switchboard 1.0 was released on 3 December 2026 with server-side tools for every provider.</p></article></body></html>`;
export const HANDBOOK = `# Employee handbook\n\n## Leave\n\nEvery employee gets 25 vacation days per year, plus public holidays.\n`;

export interface ClientRig {
  fakes: Record<Kind, FakeUpstream>;
  searx: Awaited<ReturnType<typeof startFakeSearxng>>;
  mcp: FakeMcpServer;
  sb: TestServer;
  connections: ConnectionRecorder;
  /** The page the search returns, as the model must cite it. */
  pageUrl: string;
  storeId: string;
  /** Parsed JSON bodies the client POSTed to Switchboard, newest last. */
  sent: any[];
  /** The fetch to give the client: records the body, then sends the request through the spec oracle. */
  fetch: typeof fetch;
  close(): Promise<void>;
}

export async function startClientRig(): Promise<ClientRig> {
  const connections = recordConnections();
  const fakes = { chat: await startFakeChatCompletions(), anthropic: await startFakeAnthropic() };
  const searx = await startFakeSearxng({
    results: { 'switchboard release date': [{ url: '/blog/release', title: 'Switchboard 1.0 released', content: 'Switchboard 1.0 was released…' }] },
    pages: { '/blog/release': { contentType: 'text/html; charset=utf-8', body: ARTICLE } },
  });
  const mcp = await startMcpServer();
  const sb = await startSwitchboard({
    providers: [
      { name: 'chat', kind: 'openai-chat', base_url: fakes.chat.baseUrl, retry: { max: 0 } },
      { name: 'anthropic', kind: 'anthropic', base_url: fakes.anthropic.baseUrl, api_key: 'k', retry: { max: 0 } },
    ],
    tools: { web_search: { backend: 'searxng', base_url: searx.url }, mcp: { allow_hosts: ['127.0.0.1'] } },
    fetch: { allow_hosts: ['127.0.0.1'] },
  });
  const client = sb.client();
  const file = await client.files.create({ file: await toFile(Buffer.from(HANDBOOK), 'handbook.md'), purpose: 'assistants' });
  const vs = await client.vectorStores.create({ name: 'hr', file_ids: [file.id] });
  for (let i = 0; i < 400; i++) {
    if ((await client.vectorStores.retrieve(vs.id)).status === 'completed') break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const sent: any[] = [];
  return {
    fakes, searx, mcp, sb, connections, sent,
    pageUrl: `${searx.url}/blog/release`,
    storeId: vs.id,
    fetch: async (input, init) => {
      if (typeof init?.body === 'string') sent.push(JSON.parse(init.body));
      return specCheckedFetch(input, init);
    },
    async close() {
      connections.stop();
      await sb.close();
      await mcp.close();
      await searx.close();
      await fakes.chat.close();
      await fakes.anthropic.close();
    },
  };
}

/** The cited answer a model gives after searching: a markdown link to the page. */
export const citedAnswer = (pageUrl: string) => `It was released on 3 December 2026 — see [Switchboard 1.0 released](${pageUrl}).`;
