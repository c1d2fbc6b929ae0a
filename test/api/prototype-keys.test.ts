/**
 * Lookups keyed by client input must not reach Object.prototype: a model, file extension or schema keyword
 * named `constructor`, `toString` or `__proto__` is just a string. (The HTTP-level model cases are in
 * test/e2e/request-validation.test.ts.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCreateParams } from '../../src/api/create-request-schema.js';
import { ApiError } from '../../src/api/errors.js';
import { mediaType } from '../../src/content/resolve-content.js';
import { convertToolParameters } from '../../src/providers/gemini/convert-json-schema.js';
import { guessMimeType } from '../../src/providers/gemini/convert-media-part.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { testProviderConfig } from '../helpers/provider-config.js';

const PROTO_KEYS = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

describe("client strings that are Object.prototype's keys", () => {
  it('a model string is routed or refused as model_not_found, never looked up on the prototype', () => {
    const aliases = JSON.parse('{"fast": ["chat/m"], "toString": ["chat/t"]}');
    const registry = new ProviderRegistry({ providers: [testProviderConfig('openai-chat', 'http://127.0.0.1:1', { name: 'chat' })], aliases });
    for (const model of PROTO_KEYS.filter((k) => k !== 'toString')) {
      assert.throws(() => registry.resolve(model), (e: unknown) => e instanceof ApiError && e.status === 400 && e.code === 'model_not_found' && e.param === 'model', model);
    }
    assert.equal(registry.resolve('toString')[0].routed, 'chat/t', 'an alias of that name is an alias');
    assert.equal(registry.resolve('chat/constructor')[0].model, 'constructor');
  });

  it('a file name or URL ending in such an extension gets the fallback media type', () => {
    for (const key of PROTO_KEYS) {
      assert.equal(mediaType('', Buffer.from('plain words'), `notes.${key}`), 'application/octet-stream', key);
      assert.equal(guessMimeType(`https://example.com/a.${key}`, 'image/jpeg'), 'image/jpeg', key);
    }
  });

  it("a schema's type or $ref naming a prototype key converts to no Gemini type", () => {
    const out = convertToolParameters({
      type: 'object',
      properties: { a: { type: 'constructor' }, b: { $ref: '#/__proto__' }, c: { $ref: '#/constructor' }, d: { $ref: '#/%E0%A4%A' } },
    })!;
    const props = out.properties as Record<string, Record<string, unknown>>;
    assert.equal(props.a.type, undefined);
    for (const k of ['b', 'c', 'd']) assert.match(String(props[k].description), /Unresolvable schema reference/, k);
  });

  it('a metadata key named __proto__ is refused, not silently lost', () => {
    const body = JSON.parse('{"model": "m", "input": "hi", "metadata": {"__proto__": "x", "constructor": "y"}}');
    assert.throws(() => parseCreateParams(body), (e: unknown) => e instanceof ApiError && e.status === 400 && e.param === 'metadata.__proto__');
    assert.deepEqual(parseCreateParams({ model: 'm', input: 'hi', metadata: { constructor: 'y', toString: 'z' } }).metadata, { constructor: 'y', toString: 'z' });
  });
});
