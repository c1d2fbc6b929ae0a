/** Reads a JSON request body with a size limit: 413 past the limit, 400 for malformed JSON. */
import type { IncomingMessage } from 'node:http';
import { ApiError, invalidRequest } from '../api/errors.js';

export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  const text = chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) throw invalidRequest('The request body is empty; expected a JSON object.', null, 'invalid_json');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalidRequest(
      `We could not parse the JSON body of your request (${err instanceof Error ? err.message : 'invalid JSON'}).`,
      null,
      'invalid_json',
    );
  }
}

function tooLarge(limit: number): ApiError {
  return new ApiError(413, `The request body exceeds the limit of ${limit} bytes.`, { code: 'request_too_large' });
}
