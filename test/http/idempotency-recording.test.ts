/**
 * Idempotency.run's ordering promise, with a store whose `complete` is held open: the answer's last bytes do
 * not leave before its record is written, so a client that has its answer and retries always finds it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Idempotency } from '../../src/http/idempotency.js';
import type { IdempotencyStore, RecordedAnswer } from '../../src/store/idempotency-store.js';

test('the answer is held until its record is written, then sent whole', async () => {
  const order: string[] = [];
  let recorded: RecordedAnswer | null = null;
  let finishWrite = () => {};
  const store: IdempotencyStore = {
    claim: async () => ({ claimed: true }),
    complete: async (_t, _k, _h, answer) => {
      order.push('record written…');
      await new Promise<void>((r) => { finishWrite = r; });
      recorded = answer;
      order.push('…record done');
    },
    release: async () => { order.push('released'); },
    sweep: async () => 0,
  };
  const idem = new Idempotency(store, { ttlMs: 60_000, maxRecordedBytes: 1 << 20 });
  const ctx = { requestId: 'req_1', tenant: 't', keyId: null };
  const server = createServer((req, res) => {
    res.setHeader('x-request-id', 'req_1');
    void idem.run(ctx, '/things', req, res, async () => {
      for await (const _ of req) { /* the handler reads its body */ }
      res.writeHead(201, { 'content-type': 'application/json', 'x-switchboard-note': 'kept' });
      res.write('{"id":');
      res.end('"thing_1"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/things`;
    const answer = fetch(url, { method: 'POST', body: '{"x":1}', headers: { 'idempotency-key': 'k' } })
      .then((r) => r.text()).then((t) => { order.push('client has the answer'); return t; });
    while (!order.includes('record written…')) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 100));
    finishWrite();
    assert.equal(await answer, '{"id":"thing_1"}');
    assert.deepEqual(order, ['record written…', '…record done', 'client has the answer']);
    assert.deepEqual(recorded, {
      status: 201,
      headers: { 'content-type': 'application/json', 'x-switchboard-note': 'kept', 'original-request-id': 'req_1' },
      body: '{"id":"thing_1"}',
      bodyBytes: 16,
    });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
