import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDataUrl } from '../../src/content/data-url.js';

test('data URLs: media type (or none), base64 payload as is, URL-encoded payload re-encoded; anything else is null', () => {
  assert.deepEqual(parseDataUrl('data:image/png;base64,iVBORw0K'), { mediaType: 'image/png', base64: 'iVBORw0K' });
  assert.deepEqual(parseDataUrl('data:text/plain;charset=utf-8,h%C3%A9llo'), { mediaType: 'text/plain', base64: Buffer.from('héllo').toString('base64') });
  assert.deepEqual(parseDataUrl('data:;base64,QUJD'), { mediaType: null, base64: 'QUJD' });
  assert.deepEqual(parseDataUrl('data:,abc'), { mediaType: null, base64: Buffer.from('abc').toString('base64') });
  // `base64` must be a parameter of its own, not part of another one.
  assert.deepEqual(parseDataUrl('data:text/plain;name=base64x,abc'), { mediaType: 'text/plain', base64: Buffer.from('abc').toString('base64') });
  assert.equal(parseDataUrl('https://example.com/a.png'), null);
  assert.equal(parseDataUrl('data:image/png;base64'), null, 'no comma: not a data URL');
});
