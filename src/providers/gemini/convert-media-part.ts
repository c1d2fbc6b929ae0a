/**
 * Responses `input_image` / `input_file` parts → Gemini `inlineData` / `fileData` parts.
 *
 * | Responses                              | Gemini                                                        |
 * |----------------------------------------|---------------------------------------------------------------|
 * | image_url `data:<mime>;base64,<data>`  | inlineData {mimeType, data}                                   |
 * | image_url `http(s)://…`                | fileData {fileUri, mimeType} (mime guessed from the extension,|
 * |                                        | default image/jpeg)                                           |
 * | file_data data URL                     | inlineData {mimeType, data}                                   |
 * | file_data bare base64                  | inlineData, mime from `filename` (default application/pdf)    |
 * | file_url                               | fileData {fileUri, mimeType} (guessed, default application/pdf)|
 * | file_id (image or file)                | 400 unsupported_parameter: OpenAI file ids mean nothing to    |
 * |                                        | Gemini (Switchboard has no Files API bridge yet)              |
 *
 * `detail` has no per-part Gemini equivalent on every model and is not sent (the model picks a resolution).
 */
import { ApiError } from '../../api/errors.js';
import { parseDataUrl } from '../../content/data-url.js';
import type { GeminiPart } from './gemini-wire-types.js';

const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp',
  heic: 'image/heic', heif: 'image/heif', bmp: 'image/bmp',
  pdf: 'application/pdf', txt: 'text/plain', md: 'text/markdown', html: 'text/html', htm: 'text/html',
  csv: 'text/csv', json: 'application/json', xml: 'text/xml', rtf: 'text/rtf', js: 'text/javascript',
  py: 'text/x-python', css: 'text/css',
  mp3: 'audio/mpeg', wav: 'audio/wav', ogg: 'audio/ogg', flac: 'audio/flac', aac: 'audio/aac', m4a: 'audio/mp4',
  mp4: 'video/mp4', mov: 'video/quicktime', webm: 'video/webm', mpeg: 'video/mpeg', avi: 'video/x-msvideo',
};

export function guessMimeType(nameOrUrl: string, fallback: string): string {
  let path = nameOrUrl;
  try {
    path = new URL(nameOrUrl).pathname;
  } catch {
    /* a bare filename */
  }
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  // Own keys only: a client's URL may well end in `.constructor`.
  return (ext && Object.hasOwn(MIME_BY_EXTENSION, ext) && MIME_BY_EXTENSION[ext]) || fallback;
}

/** A data URL as Gemini's inlineData (octet-stream when the URL names no type). */
function inlineDataOf(url: string): { mimeType: string; data: string } | null {
  const parsed = parseDataUrl(url);
  return parsed && { mimeType: parsed.mediaType ?? 'application/octet-stream', data: parsed.base64 };
}

function isHttpUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

export function convertImagePart(part: Record<string, unknown>, param: string): GeminiPart {
  const url = typeof part.image_url === 'string' ? part.image_url : '';
  if (!url) {
    if (part.file_id) throw fileIdError(param);
    throw new ApiError(400, 'input_image needs an image_url.', { param, code: 'invalid_value' });
  }
  const inline = inlineDataOf(url);
  if (inline) return { inlineData: inline };
  if (isHttpUrl(url)) return { fileData: { fileUri: url, mimeType: guessMimeType(url, 'image/jpeg') } };
  throw new ApiError(400, 'input_image.image_url must be a data URL or an http(s) URL.', { param: `${param}.image_url`, code: 'invalid_value' });
}

export function convertFilePart(part: Record<string, unknown>, param: string): GeminiPart {
  const filename = typeof part.filename === 'string' ? part.filename : '';
  if (typeof part.file_data === 'string' && part.file_data) {
    const inline = inlineDataOf(part.file_data);
    if (inline) return { inlineData: inline };
    return { inlineData: { mimeType: guessMimeType(filename, 'application/pdf'), data: part.file_data } };
  }
  if (typeof part.file_url === 'string' && part.file_url) {
    return { fileData: { fileUri: part.file_url, mimeType: guessMimeType(filename || part.file_url, 'application/pdf') } };
  }
  if (part.file_id) throw fileIdError(param);
  throw new ApiError(400, 'input_file needs file_data or file_url.', { param, code: 'invalid_value' });
}

function fileIdError(param: string): ApiError {
  return new ApiError(400, 'file_id inputs are not supported by Gemini providers; send the content inline (data URL) or as a URL.', {
    param: `${param}.file_id`,
    code: 'unsupported_parameter',
  });
}
