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
    /** One request to the search backend. */
    timeoutMs: number;
    /** One page read (fetch and parse), and the largest page read. */
    pageTimeoutMs: number;
    pageMaxBytes: number;
  } | null;
  /** file_search over Switchboard's vector stores (the Vector Stores API itself is always served). */
  fileSearch: boolean;
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
    /** Wall clock per call. */
    timeoutMs: number;
    /** Resident memory of one interpreter process; also the cap on a container's memory_limit. */
    memoryLimitMb: number;
    maxOutputBytes: number;
    /** A file the code writes larger than this is not kept. */
    maxFileBytes: number;
    /** Interpreter processes alive at once. */
    maxLiveInterpreters: number;
  } | null;
}
