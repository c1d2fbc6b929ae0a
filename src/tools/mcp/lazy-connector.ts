/**
 * The MCP client, loaded on first use: the SDK (with its HTTP server stack) adds ~8 MB of heap and ~130 ms of
 * start-up to a server most of whose requests never name an MCP server.
 */
import type { McpConnector, McpOptions, McpServerSpec, McpSession } from './mcp-client.js';

export type McpOpener = Pick<McpConnector, 'open'>;

export function lazyMcpConnector(options: McpOptions): McpOpener {
  let connector: Promise<McpConnector> | null = null;
  return {
    async open(spec: McpServerSpec, signal?: AbortSignal): Promise<McpSession> {
      connector ??= import('./mcp-client.js').then((m) => new m.McpConnector(options));
      return (await connector).open(spec, signal);
    },
  };
}
