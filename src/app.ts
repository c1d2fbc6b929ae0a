/** Wiring: config → store → providers → service → HTTP server. Used by the CLI, the tests and the bench. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import type { Config } from './config/load-config.js';
import { Authenticator } from './http/auth.js';
import { createApp } from './http/server.js';
import { attachResponsesWebSocket } from './http/websocket/upgrade.js';
import { Idempotency } from './http/idempotency.js';
import { SqlIdempotencyStore } from './store/idempotency-store.js';
import { ProviderRegistry } from './providers/registry.js';
import { ResponsesService, type RunBackends } from './responses/responses-service.js';
import { openSqlite } from './store/open-sqlite.js';
import { SafeFetcher } from './content/safe-fetch.js';
import { FileService } from './files/file-service.js';
import { FileStore } from './files/file-store.js';
import { ResponseStore } from './store/response-store.js';
import { InThreadWriter, type Writer } from './store/sqlite-writer.js';
import { ThreadWriter } from './store/thread-writer.js';
import type { Database } from './store/schema.js';
import { createLogger, type Logger } from './log/logger.js';
import { ConversationService } from './conversations/conversation-service.js';
import { ConversationStore } from './conversations/conversation-store.js';
import { InProcessConversationLocks } from './conversations/conversation-lock.js';
import { ContextManager } from './context/context-manager.js';
import { loadSecretKey } from './context/secret-key.js';
import { ContainerService } from './containers/container-service.js';
import { ContainerStore } from './containers/container-store.js';
import { PythonSandbox } from './tools/code-interpreter/sandbox.js';
import { ServerTools } from './tools/server-tools.js';
import { lazyMcpConnector } from './tools/mcp/lazy-connector.js';
import { createWebSearch } from './tools/web-search/index.js';
import { VectorStoreService } from './vector-stores/vector-store-service.js';
import { VectorStoreStore } from './vector-stores/vector-store-store.js';
import type { VectorStoreOptions } from './vector-stores/vector-store-options.js';

export interface RunningServer {
  server: Server;
  url: string;
  db: Kysely<Database>;
  /**
   * Drains, then stops: no new connections (refused at the socket) and 503 for new requests on open ones;
   * running responses finish for up to `graceMs` (default: `server.shutdown_grace_seconds`), the rest are
   * ended, stored and answered; then the connections, the writer thread and the database close.
   */
  close(opts?: { graceMs?: number }): Promise<void>;
  /** The ids of the running responses the store holds in memory (a diagnostic for tests). */
  liveIds(): string[];
  vectorStores: VectorStoreService;
}

/** How long answered connections get to flush and close during shutdown before they are cut. */
const CLOSE_WAIT_MS = 2_000;

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * `log`: where log lines go (tests pass silentLogger(), or a logger over a captured stream). `backends`: the
 * run backends (engine/run-backends.ts) in place of the in-process / SQLite defaults.
 */
export async function startServer(
  config: Config,
  log: Logger = createLogger(config.logLevel),
  opts: { onSql?: (sql: string) => void; backends?: RunBackends; vectorStores?: Partial<VectorStoreOptions> } = {},
): Promise<RunningServer> {
  const { db, raw } = await openSqlite(config.dbPath, opts.onSql);
  // An in-memory database is this connection's alone: no other thread can write to it.
  const writer: Writer = config.dbPath === ':memory:' || config.dbWriter === 'inline'
    ? new InThreadWriter(raw)
    : new ThreadWriter(raw, config.dbPath, config.dbWriter, (why) => log.warn(`${why}; store writes continue on the main thread`));
  const store = new ResponseStore(raw, writer);
  const registry = new ProviderRegistry(config);
  const auth = new Authenticator(config.apiKeys);
  const files = new FileService(new FileStore(raw, writer), { dir: config.files.dir, maxUploadBytes: config.files.maxUploadBytes });
  await files.init();
  const fetcher = new SafeFetcher(config.fetch);
  const idempotencyStore = new SqlIdempotencyStore(raw, writer);
  await idempotencyStore.releaseAbandoned();
  const idempotency = new Idempotency(idempotencyStore, { ...config.idempotency, log });
  // Expired records are already ignored; the sweep only reclaims their space.
  const sweep = setInterval(() => {
    files.sweepExpired().catch(() => {});
    idempotency.sweep().catch((err) => log.warn({ err: String(err) }, 'idempotency sweep failed'));
  }, 600_000);
  sweep.unref();
  const vectorStores = new VectorStoreService(new VectorStoreStore(raw), writer, files, log, { ...config.vectorStores, ...opts.vectorStores });
  // Files a previous process was still ingesting start over.
  vectorStores.recover();
  // Code interpreter containers (the Containers API is served even when the tool is turned off).
  const ci = config.tools.codeInterpreter;
  const containers = new ContainerService(new ContainerStore(raw, writer), files, new PythonSandbox(ci ? {
    timeoutMs: ci.timeoutMs, memoryLimitMb: ci.memoryLimitMb, maxOutputBytes: ci.maxOutputBytes, maxFileBytes: ci.maxFileBytes,
    maxLiveInterpreters: ci.maxLiveInterpreters,
  } : {}), config.containers);
  containers.start();
  const ws = config.tools.webSearch;
  const serverTools = new ServerTools({
    maxTurns: config.tools.maxTurns,
    // Pages a search reads pass the same outbound address policy as any fetched URL (fetch.allow_hosts).
    webSearch: ws ? createWebSearch({
      backend: ws.backend, base_url: ws.baseUrl, api_key: ws.apiKey || undefined, max_results: ws.maxResults,
      fetch_pages: ws.fetchPages, timeout_ms: ws.timeoutMs, page_timeout_ms: ws.pageTimeoutMs,
    }, new SafeFetcher({ ...config.fetch, maxBytes: ws.pageMaxBytes, timeoutMs: ws.pageTimeoutMs })) : null,
    containers: ci ? containers : null,
    vectorStores: config.tools.fileSearch ? vectorStores : null,
    mcp: config.tools.mcp ? { connector: lazyMcpConnector(config.tools.mcp), options: config.tools.mcp } : null,
  });
  const conversations = new ConversationService(new ConversationStore(raw, writer), store, new InProcessConversationLocks());
  const context = new ContextManager({ key: loadSecretKey(config), defaultWindow: config.defaultContextWindow, log });
  const service = new ResponsesService(
    store, registry, { files, fetcher }, { log, upstreamDeadlineMs: config.upstreamDeadlineMs },
    { workers: config.backgroundWorkers, ...opts.backends }, conversations, context, serverTools,
  );
  // Background responses a previous process left queued run now; those it left running end failed.
  await service.recover();
  let draining = false;
  const server = createApp({
    service, auth, registry, store, files, conversations, containers, vectorStores, context, log, logRequests: config.logRequests,
    bodyLimitBytes: config.bodyLimitBytes, keepAliveMs: config.keepAliveMs,
    health: () => ({ store: { writer: writer.status() } }),
    draining: () => draining,
    idempotency,
  });
  server.keepAliveTimeout = 65_000;
  const sockets = attachResponsesWebSocket(server, {
    service, auth, log, bodyLimitBytes: config.bodyLimitBytes, keepAliveMs: config.keepAliveMs, draining: () => draining,
  });

  let host = config.host;
  if (!auth.enabled && !LOOPBACK.has(host)) {
    log.warn(`no API keys configured: refusing to listen on ${host}; binding to 127.0.0.1 instead`);
    host = '127.0.0.1';
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  let closing: Promise<void> | null = null;
  return {
    server,
    url,
    db,
    liveIds: () => store.liveIds(),
    vectorStores,
    close(opts = {}) {
      closing ??= (async () => {
        draining = true;
        clearInterval(sweep);
        // Stops listening and closes idle keep-alive connections; resolves once every connection is gone.
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await service.drain(opts.graceMs ?? config.shutdownGraceMs);
        // WebSocket connections are not the HTTP server's any more: told to go away once their runs are done.
        sockets.close();
        // Every response is answered: the last bytes get a moment to leave before the sockets are cut.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([closed, new Promise<void>((resolve) => { timer = setTimeout(resolve, CLOSE_WAIT_MS); })]);
        clearTimeout(timer);
        server.closeAllConnections();
        await closed;
        vectorStores.close();
        await containers.close();
        await writer.close();
        await db.destroy();
      })();
      return closing;
    },
  };
}
