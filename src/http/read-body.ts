/** Reads a JSON request body with a size limit: 413 past the limit, 400 for malformed JSON. */
import type { IncomingMessage } from 'node:http';
import { ApiError, invalidRequest } from '../api/errors.js';

export function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  // Plain listeners rather than `for await`: the stream's async iterator costs a few µs per request.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      stop(); // the rest is drained, unread, once the 413 has been answered
      reject(tooLarge(limit));
    };
    const onEnd = () => {
      stop();
      try {
        resolve(parseJson(chunks));
      } catch (err) {
        reject(err);
      }
    };
    const onError = (err: Error) => {
      stop();
      reject(err);
    };
    const onClose = () => {
      stop();
      reject(new Error('the client closed the connection before its request body ended'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function parseJson(chunks: Buffer[]): unknown {
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
