/** The configuration of the hosted tools Switchboard runs itself (YAML `tools:`; config/config-schema.ts). */
export interface ToolsConfig {
  /** Model turns one response may take (the agent loop's cap against runaway loops). */
  maxTurns: number;
  /** null: no search backend, web_search is not run here. */
  webSearch: {
    backend: 'searxng' | 'brave' | 'tavily';
    baseUrl?: string;
    apiKey: string;
    maxResults: number;
    /** Fetch the top results' pages (through the safe fetcher) for fuller excerpts than the snippets. */
    fetchPages: boolean;
    timeoutMs: number;
  } | null;
  /** null: file_search and the Vector Stores API are off. */
  fileSearch: {
    ingestConcurrency: number;
    /** Any OpenAI-compatible /embeddings endpoint: ranking becomes hybrid (lexical + vector). */
    embeddings: { baseUrl: string; apiKey: string; model: string; dimensions?: number } | null;
  } | null;
  /** null: mcp tools are not run here. */
  mcp: {
    /** Hosts/IPs/CIDRs an MCP server may be on although private or loopback. */
    allowHosts: string[];
    connectTimeoutMs: number;
    callTimeoutMs: number;
    /** connector_id → the MCP server that stands for it. */
    connectors: Record<string, { url: string; headers: Record<string, string> }>;
  } | null;
  /** null: code_interpreter is not run here. */
  codeInterpreter: {
    timeoutMs: number;
    memoryLimitMb: number;
    maxOutputBytes: number;
    idleMinutes: number;
    maxLiveContainers: number;
  } | null;
}
