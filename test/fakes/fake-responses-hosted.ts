/**
 * The fake Responses upstream's hosted-tool turn: what OpenAI streams when it runs its own tools, with every
 * shape as the `openai` package (6.x) types it. In order: a web_search_call (`in_progress`, `searching`,
 * `completed`; action `{type: 'search', query, sources?}`), a file_search_call with results, a
 * code_interpreter_call with code deltas and outputs, an image_generation_call with two `partial_image` events,
 * an mcp_list_tools and an mcp_call with argument deltas (both `completed`, or both `failed`), then a message
 * whose text carries url_citation, file_citation, container_file_citation and file_path annotations, each
 * announced by `response.output_text.annotation.added` right after the text it cites has streamed.
 * `include` works as on OpenAI: `web_search_call.action.sources`, `file_search_call.results` and
 * `code_interpreter_call.outputs` are only filled in when asked for.
 *
 * Also the checks OpenAI makes on such items when a stateless caller sends them back (checkHostedInput).
 */
import { randomBytes } from 'node:crypto';

type Json = Record<string, any>;

export interface HostedTurn {
  kind: 'hosted';
  /** mcp_list_tools and mcp_call fail (`response.mcp_list_tools.failed`, `response.mcp_call.failed`). */
  mcpFails?: boolean;
}

/** The answer the message streams; the annotations cite spans and positions of it. */
export const HOSTED_ANSWER =
  'Switchboard serves the Responses API [example.com] and keeps state [example.org]. Details: report.pdf, chart.png, data.csv.';

export interface HostedPlan {
  /** Events after response.in_progress, without sequence numbers, in the order they are sent. */
  events: Json[];
  /** The final output items (the Response's `output`). */
  items: Json[];
}

export function planHostedTurn(turn: HostedTurn, body: any): HostedPlan {
  const include: string[] = Array.isArray(body.include) ? body.include : [];
  const events: Json[] = [];
  const items: Json[] = [];
  const add = (added: Json, progress: (ref: Json) => Json[], done: Json) => {
    const outputIndex = items.length;
    const ref = { output_index: outputIndex, item_id: added.id };
    events.push({ type: 'response.output_item.added', output_index: outputIndex, item: added });
    events.push(...progress(ref));
    events.push({ type: 'response.output_item.done', output_index: outputIndex, item: done });
    items.push(done);
  };

  // web search
  const wsId = `ws_${hex(24)}`;
  const query = 'switchboard responses server';
  const action: Json = { type: 'search', query };
  if (include.includes('web_search_call.action.sources')) {
    action.sources = [{ type: 'url', url: 'https://example.com/switchboard' }, { type: 'url', url: 'https://example.org/state' }];
  }
  add(
    { id: wsId, type: 'web_search_call', status: 'in_progress', action: { type: 'search', query } },
    (ref) => ['in_progress', 'searching', 'completed'].map((s) => ({ type: `response.web_search_call.${s}`, ...ref })),
    { id: wsId, type: 'web_search_call', status: 'completed', action },
  );

  // file search
  const fsId = `fs_${hex(24)}`;
  const results = include.includes('file_search_call.results')
    ? [{ attributes: { team: 'infra' }, file_id: 'file-report', filename: 'report.pdf', score: 0.92, text: 'Switchboard keeps state.' }]
    : null;
  add(
    { id: fsId, type: 'file_search_call', status: 'in_progress', queries: [], results: null },
    (ref) => ['in_progress', 'searching', 'completed'].map((s) => ({ type: `response.file_search_call.${s}`, ...ref })),
    { id: fsId, type: 'file_search_call', status: 'completed', queries: ['switchboard state'], results },
  );

  // code interpreter
  const ciId = `ci_${hex(24)}`;
  const code = 'import math\nprint(math.sqrt(2))';
  const outputs = include.includes('code_interpreter_call.outputs')
    ? [{ type: 'logs', logs: '1.4142135623730951\n' }, { type: 'image', url: 'https://files.example.com/cntr/plot.png' }]
    : null;
  const container = `cntr_${hex(16)}`;
  add(
    { id: ciId, type: 'code_interpreter_call', status: 'in_progress', code: '', container_id: container, outputs: null },
    (ref) => [
      { type: 'response.code_interpreter_call.in_progress', ...ref },
      ...chunks(code, 7).map((delta) => ({ type: 'response.code_interpreter_call_code.delta', ...ref, delta })),
      { type: 'response.code_interpreter_call_code.done', ...ref, code },
      { type: 'response.code_interpreter_call.interpreting', ...ref },
      { type: 'response.code_interpreter_call.completed', ...ref },
    ],
    { id: ciId, type: 'code_interpreter_call', status: 'completed', code, container_id: container, outputs },
  );

  // image generation
  const igId = `ig_${hex(24)}`;
  const image = Buffer.from('final image bytes').toString('base64');
  add(
    { id: igId, type: 'image_generation_call', status: 'in_progress', result: null },
    (ref) => [
      { type: 'response.image_generation_call.in_progress', ...ref },
      { type: 'response.image_generation_call.generating', ...ref },
      { type: 'response.image_generation_call.partial_image', ...ref, partial_image_index: 0, partial_image_b64: Buffer.from('partial 0').toString('base64') },
      { type: 'response.image_generation_call.partial_image', ...ref, partial_image_index: 1, partial_image_b64: Buffer.from('partial 1').toString('base64') },
      { type: 'response.image_generation_call.completed', ...ref },
    ],
    { id: igId, type: 'image_generation_call', status: 'completed', result: image },
  );

  // MCP: list the server's tools, then call one
  const fail = turn.mcpFails === true;
  const mcplId = `mcpl_${hex(24)}`;
  const tools = [{ name: 'ask_question', description: 'Ask about a repository', input_schema: { type: 'object', properties: { question: { type: 'string' } } }, annotations: { read_only: true } }];
  add(
    { id: mcplId, type: 'mcp_list_tools', server_label: 'deepwiki', tools: [] },
    (ref) => [
      { type: 'response.mcp_list_tools.in_progress', ...ref },
      { type: fail ? 'response.mcp_list_tools.failed' : 'response.mcp_list_tools.completed', ...ref },
    ],
    fail
      ? { id: mcplId, type: 'mcp_list_tools', server_label: 'deepwiki', tools: [], error: 'Failed to list tools: 502' }
      : { id: mcplId, type: 'mcp_list_tools', server_label: 'deepwiki', tools },
  );
  const mcpId = `mcp_${hex(24)}`;
  const args = '{"question":"What does Switchboard store?"}';
  add(
    { id: mcpId, type: 'mcp_call', status: 'in_progress', server_label: 'deepwiki', name: 'ask_question', arguments: '', approval_request_id: null, error: null, output: null },
    (ref) => [
      { type: 'response.mcp_call.in_progress', ...ref },
      ...chunks(args, 9).map((delta) => ({ type: 'response.mcp_call_arguments.delta', ...ref, delta })),
      { type: 'response.mcp_call_arguments.done', ...ref, arguments: args },
      { type: fail ? 'response.mcp_call.failed' : 'response.mcp_call.completed', ...ref },
    ],
    {
      id: mcpId, type: 'mcp_call', status: fail ? 'failed' : 'completed', server_label: 'deepwiki', name: 'ask_question',
      arguments: args, approval_request_id: null, error: fail ? 'Tool call failed' : null, output: fail ? null : 'Responses, items and events.',
    },
  );

  // the cited answer
  const annotations = answerAnnotations(container);
  const msgId = `msg_${hex(24)}`;
  const part = { type: 'output_text', annotations, logprobs: [], text: HOSTED_ANSWER };
  add(
    { id: msgId, type: 'message', status: 'in_progress', content: [], role: 'assistant' },
    (ref) => {
      const c = { ...ref, content_index: 0 };
      const out: Json[] = [{ type: 'response.content_part.added', ...c, part: { type: 'output_text', annotations: [], logprobs: [], text: '' } }];
      let streamed = 0;
      let announced = 0;
      for (const delta of chunks(HOSTED_ANSWER, 6)) {
        out.push({ type: 'response.output_text.delta', ...c, delta, logprobs: [] });
        streamed += delta.length;
        while (announced < annotations.length && citedEnd(annotations[announced]) <= streamed) {
          out.push({ type: 'response.output_text.annotation.added', ...c, annotation_index: announced, annotation: annotations[announced] });
          announced++;
        }
      }
      out.push({ type: 'response.output_text.done', ...c, text: HOSTED_ANSWER, logprobs: [] });
      out.push({ type: 'response.content_part.done', ...c, part });
      return out;
    },
    { id: msgId, type: 'message', status: 'completed', content: [part], role: 'assistant' },
  );
  return { events, items };
}

/** One annotation of each kind, in text order, with OpenAI's exclusive end_index. */
function answerAnnotations(container: string): Json[] {
  const span = (s: string) => ({ start_index: HOSTED_ANSWER.indexOf(s), end_index: HOSTED_ANSWER.indexOf(s) + s.length });
  return [
    { type: 'url_citation', ...span('[example.com]'), title: 'Switchboard', url: 'https://example.com/switchboard' },
    { type: 'url_citation', ...span('[example.org]'), title: 'State', url: 'https://example.org/state' },
    { type: 'file_citation', file_id: 'file-report', filename: 'report.pdf', index: HOSTED_ANSWER.indexOf('report.pdf') + 'report.pdf'.length },
    { type: 'container_file_citation', container_id: container, file_id: 'cfile-chart', filename: 'chart.png', ...span('chart.png') },
    { type: 'file_path', file_id: 'cfile-data', index: HOSTED_ANSWER.indexOf('data.csv') + 'data.csv'.length },
  ];
}

function citedEnd(a: Json): number {
  return typeof a.end_index === 'number' ? a.end_index : a.index;
}

/** Required fields per annotation type (openai 6.x ResponseOutputText.*). */
const ANNOTATION_FIELDS: Record<string, Record<string, 'string' | 'number'>> = {
  url_citation: { start_index: 'number', end_index: 'number', title: 'string', url: 'string' },
  file_citation: { file_id: 'string', filename: 'string', index: 'number' },
  container_file_citation: { container_id: 'string', file_id: 'string', filename: 'string', start_index: 'number', end_index: 'number' },
  file_path: { file_id: 'string', index: 'number' },
};

/**
 * Hosted-tool call items: the id prefix OpenAI issues, whether the input schema requires the id (Codex sends
 * web_search_call without one and OpenAI takes it), and the fields that define the item.
 */
const HOSTED_INPUT: Record<string, { prefix: string; idRequired: boolean; fields: string[] }> = {
  web_search_call: { prefix: 'ws', idRequired: false, fields: ['action'] },
  file_search_call: { prefix: 'fs', idRequired: true, fields: ['queries', 'status'] },
  code_interpreter_call: { prefix: 'ci', idRequired: true, fields: ['code', 'container_id', 'outputs', 'status'] },
  image_generation_call: { prefix: 'ig', idRequired: true, fields: ['result', 'status'] },
  mcp_list_tools: { prefix: 'mcpl', idRequired: true, fields: ['server_label', 'tools'] },
  mcp_call: { prefix: 'mcp', idRequired: true, fields: ['server_label', 'name', 'arguments'] },
};

/** OpenAI's 400 for an annotated message or hosted-tool item sent back in a shape it does not take; null if fine. */
export function checkHostedInput(input: unknown): Json | null {
  if (!Array.isArray(input)) return null;
  for (const [i, item] of input.entries()) {
    const path = `input[${i}]`;
    const hosted = HOSTED_INPUT[item?.type];
    if (hosted) {
      if (item.id === undefined && hosted.idRequired) return missing(`${path}.id`);
      if (item.id !== undefined && !(typeof item.id === 'string' && item.id.startsWith(`${hosted.prefix}_`))) {
        return invalid(`${path}.id`, `Invalid '${path}.id': '${item.id}'. Expected an ID that begins with '${hosted.prefix}'.`);
      }
      for (const f of hosted.fields) if (item[f] === undefined) return missing(`${path}.${f}`);
      continue;
    }
    if (item?.type !== 'message' || !Array.isArray(item.content)) continue;
    for (const [j, part] of item.content.entries()) {
      if (part?.type !== 'output_text' || part.annotations === undefined) continue;
      if (!Array.isArray(part.annotations)) return invalid(`${path}.content[${j}].annotations`, `Invalid type for '${path}.content[${j}].annotations': expected an array.`);
      for (const [k, a] of part.annotations.entries()) {
        const at = `${path}.content[${j}].annotations[${k}]`;
        const fields = ANNOTATION_FIELDS[a?.type];
        if (!fields) return invalid(`${at}.type`, `Invalid value: '${a?.type}'. Supported values are: ${Object.keys(ANNOTATION_FIELDS).map((t) => `'${t}'`).join(', ')}.`);
        for (const [f, t] of Object.entries(fields)) {
          if (typeof a[f] !== t) return a[f] === undefined ? missing(`${at}.${f}`) : invalid(`${at}.${f}`, `Invalid type for '${at}.${f}': expected ${t === 'number' ? 'an integer' : 'a string'}.`);
        }
      }
    }
  }
  return null;
}

function missing(param: string): Json {
  return { message: `Missing required parameter: '${param}'.`, type: 'invalid_request_error', param, code: 'missing_required_parameter' };
}

function invalid(param: string, message: string): Json {
  return { message, type: 'invalid_request_error', param, code: 'invalid_value' };
}

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}
