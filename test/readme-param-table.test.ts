/** Keeps the README's parameter × provider table true: it is checked against the adapters' own sets. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { OPENAI_RESPONSES_PARAMS } from '../src/providers/openai-responses/responses-params.js';
import { OPENAI_CHAT_PARAMS } from '../src/providers/openai-chat/chat-params.js';
import { ANTHROPIC_PARAMS } from '../src/providers/anthropic/index.js';
import { GEMINI_PARAMS } from '../src/providers/gemini/gemini-params.js';
import { SERVICE_PARAMS } from '../src/responses/param-support.js';

const KINDS: [string, ReadonlySet<string>][] = [
  ['openai', OPENAI_RESPONSES_PARAMS], ['openai-chat', OPENAI_CHAT_PARAMS], ['anthropic', ANTHROPIC_PARAMS], ['gemini', GEMINI_PARAMS],
];

function tableRows() {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = readme.split('<!-- param-table:start -->')[1].split('<!-- param-table:end -->')[0];
  return block.trim().split('\n').slice(2).map((line) => {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    const params = [...cells[0].matchAll(/`([a-z_]+)(?::[^`]*)?`/g)].map((m) => m[1]);
    return { params, marks: cells.slice(1) };
  });
}

test('README parameter table matches what each provider kind declares', () => {
  const rows = tableRows();
  assert.ok(rows.length > 10);
  const listed = new Set<string>();
  for (const { params, marks } of rows) {
    assert.equal(marks.length, KINDS.length);
    for (const p of params) {
      listed.add(p);
      KINDS.forEach(([kind, set], i) => {
        const mark = marks[i];
        if (mark === 'S') assert.ok(SERVICE_PARAMS.has(p), `${p}: README says Switchboard handles it`);
        else if (mark === '✓') assert.ok(set.has(p), `${p} on ${kind}: README says honoured`);
        else if (mark === '✗') assert.ok(!set.has(p) && !SERVICE_PARAMS.has(p), `${p} on ${kind}: README says rejected`);
        else assert.fail(`unknown mark '${mark}'`);
      });
    }
  }
  for (const [kind, set] of KINDS) for (const p of set) assert.ok(listed.has(p), `${kind} honours '${p}' but the README table does not list it`);
  for (const p of SERVICE_PARAMS) assert.ok(listed.has(p), `service param '${p}' missing from the README table`);
});
