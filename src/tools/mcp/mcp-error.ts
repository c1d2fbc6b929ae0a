/**
 * Why an MCP server could not be opened or listed. The integrator turns it into a failed `mcp_list_tools`
 * item; the message is shown to clients and the model, so it names the server by its label and never an
 * operator's connector URL, an address behind it or a header.
 */
export type McpErrorCode =
  | 'mcp_url_refused'
  | 'mcp_connector_unknown'
  | 'mcp_invalid_spec'
  | 'mcp_invalid_headers'
  | 'mcp_connect_failed'
  | 'mcp_list_failed';

export class McpError extends Error {
  readonly code: McpErrorCode;

  constructor(code: McpErrorCode, message: string) {
    super(message);
    this.name = 'McpError';
    this.code = code;
  }
}
