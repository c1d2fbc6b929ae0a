/**
 * A client message on the Responses WebSocket: `{"type": "response.create", …create params}`, validated by the
 * same schema as the body of `POST /v1/responses`. The transport's own fields (`stream`, `stream_options`,
 * `background`) must not be sent (spec: WebSocketResponseCreateEvent).
 */
import { ApiError, invalidRequest } from '../../api/errors.js';
import type { CreateParams } from '../../api/create-params.js';
import { parseCreateParams } from '../../api/create-request-schema.js';

const TRANSPORT_FIELDS = ['stream', 'stream_options', 'background'] as const;

export function parseSocketMessage(data: string): CreateParams {
  let msg: unknown;
  try {
    msg = JSON.parse(data);
  } catch (err) {
    throw invalidRequest(`We could not parse the JSON of your message (${err instanceof Error ? err.message : 'invalid JSON'}).`, null, 'invalid_json');
  }
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
    throw invalidRequest('A message must be a JSON object with "type": "response.create".', null, 'invalid_json');
  }
  const { type, ...body } = msg as Record<string, unknown>;
  if (type !== 'response.create') {
    throw invalidRequest(`Unknown message type ${JSON.stringify(type ?? null)}: the only client message is "response.create".`, 'type', 'invalid_value');
  }
  const sent = TRANSPORT_FIELDS.filter((f) => Object.hasOwn(body, f));
  if (sent.length) {
    throw new ApiError(400, `${sent.map((f) => `'${f}'`).join(', ')} cannot be sent over a WebSocket: the socket is the stream, and responses on it run in the foreground.`, {
      param: sent[0], code: 'unsupported_parameter',
    });
  }
  return parseCreateParams(body);
}

/** The `previous_response_id` a message names, read without validating it (to evict it when the turn fails). */
export function namedPrevious(data: string): string | null {
  try {
    const v = (JSON.parse(data) as { previous_response_id?: unknown })?.previous_response_id;
    return typeof v === 'string' ? v : null;
  } catch {
    return null;
  }
}

/** The error message of the WebSocket transport (spec: WebSocketErrorEvent). `code` is always a string there. */
export function errorEvent(e: ApiError): string {
  return JSON.stringify({
    type: 'error',
    status: e.status,
    error: { type: e.type, code: e.code ?? (e.status >= 500 ? 'server_error' : 'invalid_request'), message: e.message, param: e.param },
  });
}
