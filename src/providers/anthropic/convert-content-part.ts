/**
 * One Responses content part → one Anthropic content block.
 *
 * | Responses part                                   | Anthropic block                                         |
 * |--------------------------------------------------|---------------------------------------------------------|
 * | input_text / output_text                         | text (empty text is dropped: Anthropic rejects it)      |
 * | refusal                                          | text (the refusal wording)                              |
 * | input_image, image_url `data:` URL               | image, source base64 {media_type, data}                 |
 * | input_image, image_url http(s)                   | image, source url                                       |
 * | input_file, file_data PDF (data URL or base64)   | document, source base64 application/pdf; title=filename |
 * | input_file, file_data text/plain                 | document, source text (decoded); title=filename         |
 * | input_file, file_data image/*                    | image, source base64                                    |
 * | input_file, file_url                             | document, source url; title=filename                    |
 * | input_image/input_file with file_id              | 400 unsupported_parameter (Files API not supported yet) |
 *
 * `input_image.detail` has no Anthropic equivalent (Claude picks its own resolution); it is not forwarded.
 */
import { ApiError } from '../../api/errors.js';
import { parseDataUrl } from '../../content/data-url.js';
import type { ContentPart } from '../../api/items.js';
import type { AnthropicDocumentBlock, AnthropicImageBlock, AnthropicTextBlock } from './anthropic-wire-types.js';

export type PartBlock = AnthropicTextBlock | AnthropicImageBlock | AnthropicDocumentBlock;

/** Returns null for a part that carries nothing (empty text). `param` names the part in errors. */
export function convertContentPart(part: ContentPart, param: string): PartBlock | null {
  const p = part as unknown as Record<string, unknown>;
  switch (p.type) {
    case 'input_text':
    case 'output_text':
      return textBlock(p.text);
    case 'refusal':
      return textBlock(p.refusal);
    case 'input_image':
      return imageBlock(p, param);
    case 'input_file':
      return fileBlock(p, param);
    default:
      throw new ApiError(400, `Content part type '${String(p.type)}' cannot be sent to an Anthropic model.`, {
        param: `${param}.type`,
        code: 'unsupported_parameter',
      });
  }
}

function textBlock(text: unknown): AnthropicTextBlock | null {
  const s = typeof text === 'string' ? text : '';
  return s === '' ? null : { type: 'text', text: s };
}

function imageBlock(p: Record<string, unknown>, param: string): AnthropicImageBlock {
  if (typeof p.file_id === 'string' && p.file_id) throw fileIdUnsupported(`${param}.file_id`);
  const url = typeof p.image_url === 'string' ? p.image_url : '';
  if (!url) {
    throw new ApiError(400, 'input_image needs an image_url.', { param: `${param}.image_url`, code: 'missing_required_parameter' });
  }
  const data = dataUrlOf(url);
  if (data) return { type: 'image', source: { type: 'base64', media_type: data.mediaType, data: data.base64 } };
  return { type: 'image', source: { type: 'url', url } };
}

function fileBlock(p: Record<string, unknown>, param: string): PartBlock {
  if (typeof p.file_id === 'string' && p.file_id) throw fileIdUnsupported(`${param}.file_id`);
  const title = typeof p.filename === 'string' && p.filename ? p.filename : undefined;
  if (typeof p.file_data === 'string' && p.file_data) {
    const parsed = dataUrlOf(p.file_data) ?? { mediaType: guessMediaType(p.file_data, title), base64: p.file_data };
    const mediaType = parsed.mediaType.toLowerCase();
    if (mediaType === 'application/pdf') {
      return withTitle({ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: parsed.base64 } }, title);
    }
    if (mediaType === 'text/plain') {
      const text = Buffer.from(parsed.base64, 'base64').toString('utf8');
      return withTitle({ type: 'document', source: { type: 'text', media_type: 'text/plain', data: text } }, title);
    }
    if (mediaType.startsWith('image/')) {
      return { type: 'image', source: { type: 'base64', media_type: mediaType, data: parsed.base64 } };
    }
    throw new ApiError(400, `File type '${parsed.mediaType || 'unknown'}' cannot be sent to an Anthropic model (PDF, plain text and images only).`, {
      param: `${param}.file_data`,
      code: 'unsupported_parameter',
    });
  }
  if (typeof p.file_url === 'string' && p.file_url) {
    return withTitle({ type: 'document', source: { type: 'url', url: p.file_url } }, title);
  }
  throw new ApiError(400, 'input_file needs file_data or file_url.', { param, code: 'missing_required_parameter' });
}

function withTitle(block: AnthropicDocumentBlock, title: string | undefined): AnthropicDocumentBlock {
  return title ? { ...block, title } : block;
}

function fileIdUnsupported(param: string): ApiError {
  return new ApiError(400, 'file_id references are not supported for Anthropic models yet; send the data inline (file_data / image_url).', {
    param,
    code: 'unsupported_parameter',
  });
}

/** A data URL's media type (text/plain when it names none, as RFC 2397 says) and base64 payload. */
function dataUrlOf(url: string): { mediaType: string; base64: string } | null {
  const parsed = parseDataUrl(url);
  return parsed && { mediaType: parsed.mediaType ?? 'text/plain', base64: parsed.base64 };
}

/** Bare base64 file_data (no data URL): go by the filename, then by the PDF magic bytes (`%PDF` = `JVBER`). */
function guessMediaType(base64: string, filename: string | undefined): string {
  const ext = filename?.toLowerCase().split('.').pop();
  if (ext === 'pdf') return 'application/pdf';
  if (ext === 'txt' || ext === 'md') return 'text/plain';
  if (base64.startsWith('JVBER')) return 'application/pdf';
  return '';
}
