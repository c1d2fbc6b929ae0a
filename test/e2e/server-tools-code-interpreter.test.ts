/**
 * code_interpreter run by Switchboard in its Pyodide sandbox, for Chat Completions and Anthropic models: the
 * model's `python` call becomes a code_interpreter_call item (code, container, outputs with include) with its
 * events, the output reaches the model, a file the code writes becomes a container file the answer cites, and
 * the container (with its Python state) serves the conversation's next turn.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSwitchboard, type TestServer } from '../helpers/switchboard.js';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import { startFakeAnthropic } from '../fakes/fake-anthropic.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { assertInOrder, toolNamesIn, toolResultsIn } from '../helpers/tool-results.js';

type Kind = 'chat' | 'anthropic';
const fakes = {} as Record<Kind, FakeUpstream>;
let sb: TestServer;

before(async () => {
  fakes.chat = await startFakeChatCompletions();
  fakes.anthropic = await startFakeAnthropic();
  sb = await startSwitchboard({
    providers: [
      { name: 'chat', kind: 'openai-chat', base_url: fakes.chat.baseUrl },
      { name: 'anthropic', kind: 'anthropic', base_url: fakes.anthropic.baseUrl, api_key: 'k' },
    ],
  });
});
after(async () => {
  await sb?.close();
  for (const f of Object.values(fakes)) await f?.close();
});

// Ends with a statement: the last expression's value would be shown too, as in Jupyter.
const CODE = "x = 6 * 7\nprint(x)\nwith open('/mnt/data/answer.txt', 'w') as f:\n    f.write(str(x))";

for (const kind of ['chat', 'anthropic'] as Kind[]) {
  describe(`code_interpreter on ${kind}`, () => {
    test('a run: logs to the model and (included) to the client, a written file cited and downloadable, state kept next turn', async () => {
      const n = fakes[kind].received.length;
      const answer = 'It is 42, saved as [answer.txt](sandbox:/mnt/data/answer.txt).';
      fakes[kind].enqueue(
        { kind: 'reply', toolCalls: [{ name: 'python', arguments: JSON.stringify({ code: CODE }) }] },
        { kind: 'reply', text: answer },
      );
      const client = sb.client();
      const r = await client.responses.create({
        model: `${kind}/m`, input: 'What is 6 times 7? Save it.', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }],
        include: ['code_interpreter_call.outputs'],
      });
      assert.deepEqual(r.output.map((i) => i.type), ['code_interpreter_call', 'message']);
      const call = r.output[0] as any;
      assert.equal(call.status, 'completed');
      assert.equal(call.code, CODE);
      assert.match(call.container_id, /^cntr_/);
      assert.deepEqual(call.outputs.filter((o: any) => o.type === 'logs').map((o: any) => o.logs.trim()), ['42']);

      const seen = fakes[kind].received.slice(n);
      assert.ok(toolNamesIn(kind, seen[0].body).includes('python'));
      assert.match(toolResultsIn(kind, seen[1].body)[0].text, /42/);

      const part = (r.output[1] as any).content[0];
      const cite = part.annotations.find((a: any) => a.type === 'container_file_citation');
      assert.ok(cite, JSON.stringify(part.annotations));
      assert.equal(cite.container_id, call.container_id);
      assert.equal(cite.filename, 'answer.txt');
      assert.equal(answer.slice(cite.start_index, cite.end_index), '[answer.txt](sandbox:/mnt/data/answer.txt)');
      const content = await client.containers.files.content.retrieve(cite.file_id, { container_id: cite.container_id });
      assert.equal(await content.text(), '42');

      // The next turn runs in the same container: its variables are still there.
      fakes[kind].enqueue(
        { kind: 'reply', toolCalls: [{ name: 'python', arguments: JSON.stringify({ code: 'print(x + 1)' }) }] },
        { kind: 'reply', text: '43.' },
      );
      const next = await client.responses.create({
        model: `${kind}/m`, previous_response_id: r.id, input: 'And plus one?', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }],
        include: ['code_interpreter_call.outputs'],
      });
      const call2 = next.output[0] as any;
      assert.equal(call2.container_id, call.container_id);
      assert.equal(call2.outputs[0].logs.trim(), '43');
    });
  });
}

for (const kind of ['chat', 'anthropic'] as Kind[]) test(`streamed on ${kind}: the code interpreter events in order; outputs only when included`, async () => {
  fakes[kind].enqueue(
    { kind: 'reply', toolCalls: [{ name: 'python', arguments: JSON.stringify({ code: 'print(1 + 1)' }) }] },
    { kind: 'reply', text: 'Two.' },
  );
  const stream = sb.client().responses.stream({ model: `${kind}/m`, input: '1+1', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] });
  const types: string[] = [];
  for await (const e of stream) types.push(e.type);
  const final = await stream.finalResponse();
  assert.equal((final.output[0] as any).outputs, null);
  const order = ['response.output_item.added', 'response.code_interpreter_call.in_progress', 'response.code_interpreter_call_code.delta',
    'response.code_interpreter_call_code.done', 'response.code_interpreter_call.interpreting', 'response.code_interpreter_call.completed',
    'response.output_item.done', 'response.completed'];
  assertInOrder(types, order);
});

test('a Python error is a completed call whose traceback the model sees', async () => {
  const n = fakes.chat.received.length;
  fakes.chat.enqueue(
    { kind: 'reply', toolCalls: [{ name: 'python', arguments: JSON.stringify({ code: '1/0' }) }] },
    { kind: 'reply', text: 'Division by zero.' },
  );
  const r = await sb.client().responses.create({ model: 'chat/m', input: 'divide', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] });
  assert.equal(r.status, 'completed');
  assert.match(toolResultsIn('chat', fakes.chat.received[n + 1].body)[0].text, /ZeroDivisionError/);
});

test('a container id that does not exist is a 400 naming the tool entry', async () => {
  const err = await sb.client().responses.create({
    model: 'chat/m', input: 'x', tools: [{ type: 'function', name: 'f', parameters: {} } as any, { type: 'code_interpreter', container: 'cntr_missing' }],
  }).then(() => null, (e) => e);
  assert.equal(err?.status, 400);
  assert.equal(err.error.param, 'tools[1].container');
});
