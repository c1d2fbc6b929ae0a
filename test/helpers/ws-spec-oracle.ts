/**
 * The Open Responses spec's WebSocket messages (`x-openresponses-websocket` of `/responses`): the client's
 * WebSocketResponseCreateEvent and the server's WebSocketErrorEvent, compiled from the same spec file as
 * spec-oracle.ts. Progress messages are streaming events: spec-oracle.ts's assertEvent checks those.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { SPEC_PATH, SpecViolation } from './spec-oracle.js';

const require = createRequire(import.meta.url);
const Ajv2020 = require('ajv/dist/2020') as typeof import('ajv/dist/2020.js').default;
const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;

let validators: { create: ValidateFunction; error: ValidateFunction } | null = null;

function compile() {
  const doc = JSON.parse(readFileSync(SPEC_PATH, 'utf8'));
  const ws = doc.paths['/responses']['x-openresponses-websocket'];
  // Without ajv's discriminator keyword: some unions in the create body name a discriminator whose branches
  // lack a const `type`, which ajv refuses to compile; the oneOf itself still decides.
  const ajv = new Ajv2020({ strict: false, allErrors: true, discriminator: false, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema({ ...doc, $id: 'openresponses' });
  return {
    create: ajv.compile({ $ref: `openresponses${ws.clientMessage.$ref}` }),
    error: ajv.compile({ $ref: `openresponses${ws.errorMessage.$ref}` }),
  };
}

function check(which: 'create' | 'error', value: unknown, what: string): void {
  validators ??= compile();
  const v = validators[which];
  if (!v(value)) throw new SpecViolation(what, (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`), value);
}

/** A server `error` message on the WebSocket. */
export function assertWebSocketError(value: unknown): void {
  check('error', value, 'WebSocket error message');
}

/** A client `response.create` message (the tests' own requests are held to the spec too). */
export function assertWebSocketCreate(value: unknown): void {
  check('create', value, 'WebSocket response.create message');
}
