/**
 * A streaming multipart/form-data reader (RFC 7578), no dependency. File parts are handed chunk by chunk to a
 * sink the caller provides (the upload's temporary file), so a 100 MiB upload never sits in memory; text
 * fields are collected with a small size cap. Every limit is checked while reading, before the bytes land.
 */
import { ApiError, invalidRequest } from '../api/errors.js';

export interface PartInfo {
  /** The form field name. */
  name: string;
  filename: string;
  /** As sent (`application/octet-stream` when absent). */
  contentType: string;
}

export interface PartSink {
  write(chunk: Buffer): Promise<void>;
}

export interface MultipartLimits {
  /** The whole body, file parts included (413 past it). */
  maxBodyBytes: number;
  /** Each text field (default 64 KiB). */
  maxFieldBytes?: number;
  /** Text fields plus file parts (default 50). */
  maxParts?: number;
}

export interface ParsedForm {
  fields: Map<string, string>;
  /** The file parts the caller accepted, in order, with their sizes. */
  files: { info: PartInfo; bytes: number; sink: PartSink }[];
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_HEADER_BYTES = 16 * 1024;

/** The boundary of a `multipart/form-data` content type; 400 when the body is something else. */
export function multipartBoundary(contentType: string | undefined): string {
  const [essence, ...rest] = (contentType ?? '').split(';');
  if (essence.trim().toLowerCase() !== 'multipart/form-data') {
    throw invalidRequest(`Expected a multipart/form-data body, got '${contentType ?? 'no content-type'}'.`, null, 'invalid_content_type');
  }
  const params = parseParams(rest.join(';'));
  const boundary = params.get('boundary');
  if (!boundary || boundary.length > 200) throw invalidRequest('The multipart/form-data content type has no valid boundary.', null, 'invalid_content_type');
  return boundary;
}

/**
 * Reads the form. `onFile` decides what happens to each file part: a sink to stream it into, or null to skip
 * its bytes; it also sees the text fields that came before the part (to refuse early). Throws ApiError 400 on a malformed body, 413 past `maxBodyBytes`, and whatever a sink throws.
 */
export async function parseMultipart(
  body: AsyncIterable<Buffer> | Iterable<Buffer>,
  boundary: string,
  limits: MultipartLimits,
  onFile: (info: PartInfo, fieldsSoFar: ReadonlyMap<string, string>) => PartSink | null,
): Promise<ParsedForm> {
  const maxField = limits.maxFieldBytes ?? 64 * 1024;
  const maxParts = limits.maxParts ?? 50;
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const form: ParsedForm = { fields: new Map(), files: [] };

  type Current =
    | { kind: 'field'; name: string; chunks: Buffer[]; size: number }
    | { kind: 'file'; entry: ParsedForm['files'][number] }
    | { kind: 'skip' };
  let current: Current | null = null;
  let parts = 0;
  // The leading CRLF lets the first boundary match the same delimiter as every later one.
  let buf: Buffer = CRLF;
  let state: 'preamble' | 'after-boundary' | 'headers' | 'body' | 'done' = 'preamble';
  let total = 0;

  const emit = async (data: Buffer) => {
    if (!data.length || !current) return;
    if (current.kind === 'file') {
      current.entry.bytes += data.length;
      await current.entry.sink.write(data);
    } else if (current.kind === 'field') {
      current.size += data.length;
      if (current.size > maxField) throw invalidRequest(`The form field '${current.name}' exceeds ${maxField} bytes.`, current.name, 'invalid_value');
      current.chunks.push(data);
    }
  };

  const startPart = (headerBlock: string) => {
    if (++parts > maxParts) throw invalidRequest(`The form has more than ${maxParts} parts.`, null, 'invalid_multipart');
    const headers = parseHeaders(headerBlock);
    const disposition = headers.get('content-disposition');
    if (!disposition) throw malformed('a part has no Content-Disposition header');
    const params = parseParams(disposition.slice(disposition.indexOf(';') + 1));
    const name = params.get('name');
    if (name === undefined) throw malformed('a part has no field name');
    const extended = params.get('filename*');
    const plain = params.get('filename');
    if (extended === undefined && plain === undefined) {
      current = { kind: 'field', name, chunks: [], size: 0 };
      return;
    }
    const filename = extended !== undefined ? decodeExtended(extended) : decodeFormEscapes(plain!);
    const info: PartInfo = { name, filename, contentType: headers.get('content-type') ?? 'application/octet-stream' };
    const sink = onFile(info, form.fields);
    if (!sink) {
      current = { kind: 'skip' };
      return;
    }
    const entry = { info, bytes: 0, sink };
    form.files.push(entry);
    current = { kind: 'file', entry };
  };

  const endPart = () => {
    if (current?.kind === 'field') form.fields.set(current.name, Buffer.concat(current.chunks).toString('utf8'));
    current = null;
  };

  for await (const chunk of body) {
    total += chunk.length;
    if (total > limits.maxBodyBytes) throw new ApiError(413, `The request body exceeds the limit of ${limits.maxBodyBytes} bytes.`, { code: 'request_too_large' });
    if (state === 'done') continue; // the epilogue is ignored
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;

    for (;;) {
      if (state === 'preamble' || state === 'body') {
        const at = buf.indexOf(delimiter);
        if (at < 0) {
          // Keep just enough of the tail to complete a delimiter split across chunks.
          const safe = buf.length - (delimiter.length - 1);
          if (safe > 0) {
            if (state === 'body') await emit(buf.subarray(0, safe));
            buf = buf.subarray(safe);
          }
          break;
        }
        if (state === 'body') {
          await emit(buf.subarray(0, at));
          endPart();
        }
        buf = buf.subarray(at + delimiter.length);
        state = 'after-boundary';
      } else if (state === 'after-boundary') {
        // Transport padding (spaces, tabs) may follow a boundary.
        let i = 0;
        while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
        if (buf.length - i < 2) break;
        if (buf[i] === 0x2d && buf[i + 1] === 0x2d) {
          state = 'done';
          buf = Buffer.alloc(0);
          break;
        }
        if (buf[i] !== 0x0d || buf[i + 1] !== 0x0a) throw malformed('a boundary is not followed by CRLF');
        buf = buf.subarray(i + 2);
        state = 'headers';
      } else if (state === 'headers') {
        if (buf.length < 2) break;
        if (buf[0] === 0x0d && buf[1] === 0x0a) {
          startPart(''); // a part with no headers at all
          buf = buf.subarray(2);
        } else {
          const end = buf.indexOf(HEADER_END);
          if (end < 0) {
            if (buf.length > MAX_HEADER_BYTES) throw malformed(`a part's headers exceed ${MAX_HEADER_BYTES} bytes`);
            break;
          }
          startPart(buf.subarray(0, end).toString('utf8'));
          buf = buf.subarray(end + HEADER_END.length);
        }
        state = 'body';
      } else {
        break;
      }
    }
  }
  if (state !== 'done') throw malformed('the body ended before the closing boundary');
  return form;
}

function malformed(why: string): ApiError {
  return invalidRequest(`Malformed multipart/form-data body: ${why}.`, null, 'invalid_multipart');
}

function parseHeaders(block: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return out;
}

/** `; a=b; c="d \" e"` → {a: b, c: 'd " e'}; names lower-cased. */
function parseParams(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < text.length) {
    while (i < text.length && (text[i] === ';' || text[i] === ' ' || text[i] === '\t')) i++;
    const eq = text.indexOf('=', i);
    if (eq < 0) break;
    const name = text.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    let value = '';
    if (text[i] === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i++];
      }
      i++;
    } else {
      const semi = text.indexOf(';', i);
      const end = semi < 0 ? text.length : semi;
      value = text.slice(i, end).trim();
      i = end;
    }
    if (name && !out.has(name)) out.set(name, value);
  }
  return out;
}

/** `filename*=UTF-8''a%20b.pdf` (RFC 5987). */
function decodeExtended(raw: string): string {
  const m = /^[\w!#$%&+^`{}~-]*'[^']*'(.*)$/.exec(raw);
  const encoded = m ? m[1] : raw;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

/** A plain `filename`: browsers and undici escape `"`, CR and LF as %22, %0D, %0A (HTML's form encoding). */
function decodeFormEscapes(raw: string): string {
  return raw.replace(/%22/gi, '"').replace(/%0D/gi, '\r').replace(/%0A/gi, '\n');
}
