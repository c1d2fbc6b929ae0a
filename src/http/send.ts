/** Writing JSON bodies and errors, every one in OpenAI's envelope with the request id. */
import type { ServerResponse } from 'node:http';
import { ApiError } from '../api/errors.js';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

/** A body already serialized as JSON. */
export function sendJsonText(res: ServerResponse, status: number, payload: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError(500, 'The server had an error while processing your request.', { type: 'server_error', code: 'server_error' });
}

export function sendError(res: ServerResponse, err: unknown): void {
  const e = toApiError(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, e.status, e.toBody(), e.headers);
}
