/**
 * `data:<media type>[;params][;base64],<payload>` → its media type (null when the URL names none: each vendor
 * has its own default) and the payload as base64 (a URL-encoded payload is re-encoded). Not a data URL: null.
 */
export function parseDataUrl(url: string): { mediaType: string | null; base64: string } | null {
  const m = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s.exec(url);
  if (!m) return null;
  const isBase64 = m[2].split(';').some((x) => x.toLowerCase() === 'base64');
  const payload = m[3];
  return {
    mediaType: m[1] || null,
    base64: isBase64 ? payload : Buffer.from(decodeURIComponent(payload), 'utf8').toString('base64'),
  };
}
