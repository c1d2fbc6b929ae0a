import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../src/api/errors.js';
import { checkJsonDepth, MAX_JSON_DEPTH } from '../../src/api/json-depth.js';

const arrays = (depth: number) => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);

function rejected(body: unknown, max?: number): ApiError {
  try {
    checkJsonDepth(body, max);
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return err;
  }
  assert.fail('expected a 400');
}

describe('checkJsonDepth', () => {
  it('accepts a body exactly at the bound and refuses one level more, naming the first container past it', () => {
    checkJsonDepth(arrays(MAX_JSON_DEPTH));
    const e = rejected(arrays(MAX_JSON_DEPTH + 1));
    assert.equal(e.status, 400);
    assert.equal(e.type, 'invalid_request_error');
    assert.equal(e.param, '[0]'.repeat(MAX_JSON_DEPTH));
  });

  it('counts objects and arrays alike, not strings or numbers', () => {
    checkJsonDepth({ a: { b: [{ c: 'x'.repeat(1000) }] } }, 4);
    assert.equal(rejected({ a: { b: [{ c: [1] }] } }, 4).param, 'a.b[0].c');
  });

  it('names the first place too deep in document order', () => {
    const body = { model: 'm', shallow: [[1]], deep: { x: [[[1]]] }, deeper: [[[[[1]]]]] };
    assert.equal(rejected(body, 4).param, 'deep.x[0][0]');
  });

  it('walks without recursion: a million levels are refused, not a stack overflow', () => {
    const e = rejected(arrays(1_000_000));
    assert.equal(e.param, '[0]'.repeat(MAX_JSON_DEPTH));
  });
});
