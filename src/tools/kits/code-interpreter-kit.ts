/**
 * `code_interpreter` run by Switchboard in its Python sandbox: the model is offered a `python` function; each
 * call becomes a `code_interpreter_call` item (`code`, `container_id`, `outputs` — logs and images — with
 * `include: ["code_interpreter_call.outputs"]`), events `in_progress` → `code.delta` / `code.done` →
 * `interpreting` → `completed`. Files the code writes under /mnt/data become container files the answer can
 * cite (`container_file_citation`). One container serves the response (and the conversation's later turns).
 */
import { newId } from '../../api/ids.js';
import { CODE_FN } from '../function-names.js';
import type { CallIO, CallOutcome, CitationSource, HostedCall, ToolKit } from '../types.js';
import { parseArgs } from './kit-args.js';
import type { RequestContext } from '../../store/request-context.js';

export interface CodeRunResult {
  logs: string;
  images: { mediaType: string; base64: string }[];
  files: { id: string; path: string; container_id?: string }[];
  error: { type?: string; message: string } | null;
  timedOut: boolean;
}

/** The part of the container service a response's code interpreter uses. */
export interface CodeContainers {
  execute(ctx: RequestContext, containerId: string, code: string, opts: { signal?: AbortSignal; timeoutMs?: number }): Promise<CodeRunResult>;
}

const LOG_CHARS = 20_000;

export function codeInterpreterKit(containerId: string, containers: CodeContainers, include: ReadonlySet<string>): ToolKit {
  const showOutputs = include.has('code_interpreter_call.outputs');
  return {
    type: 'code_interpreter',
    functions: [{
      type: 'function', name: CODE_FN, strict: false,
      description: 'Run Python 3 code in a stateful sandbox (variables persist between calls; standard library only; no network). ' +
        'Print what you need to see. Files the user gave are in /mnt/data; save files you make there too, and link them in your answer as [name](sandbox:/mnt/data/name).',
      parameters: { type: 'object', properties: { code: { type: 'string', description: 'The Python code to run.' } }, required: ['code'], additionalProperties: false },
    }],
    call(): HostedCall {
      const id = newId('ci');
      let code = '';
      return {
        early: false,
        initial: (args) => {
          code = codeOf(args);
          return { id, type: 'code_interpreter_call', status: 'in_progress', code: '', container_id: containerId, outputs: null };
        },
        started: () => [
          { name: 'code_interpreter_call.in_progress' },
          ...(code ? [{ name: 'code_interpreter_call_code.delta', fields: { delta: code } }] : []),
          { name: 'code_interpreter_call_code.done', fields: { code } },
        ],
        run: (args, io) => run(codeOf(args), io),
      };
    },
  };

  async function run(code: string, io: CallIO): Promise<CallOutcome> {
    io.progress('code_interpreter_call.interpreting');
    const item = (status: string, outputs: unknown) => ({ type: 'code_interpreter_call', status, code, container_id: containerId, outputs: showOutputs ? outputs : null });
    let r: CodeRunResult;
    try {
      r = await containers.execute(io.ctx, containerId, code, { signal: io.signal });
    } catch (err) {
      if (io.signal.aborted) throw err;
      const message = err instanceof Error ? err.message : String(err);
      return { item: item('failed', []), output: `The sandbox failed: ${message}` };
    }
    const outputs = [
      ...(r.logs ? [{ type: 'logs', logs: r.logs }] : []),
      ...r.images.map((img) => ({ type: 'image', url: `data:${img.mediaType};base64,${img.base64}` })),
    ];
    const sources: CitationSource[] = r.files.map((f) => ({
      kind: 'container_file', container_id: containerId, file_id: f.id, path: f.path, filename: f.path.split('/').pop() ?? f.path,
    }));
    const parts = [r.logs ? r.logs.slice(-LOG_CHARS) : '(no output)'];
    if (r.timedOut) parts.push('The code ran out of time and was stopped; the interpreter was restarted (variables are lost).');
    else if (r.error) parts.push(`${r.error.type ?? 'Error'}: ${r.error.message}`);
    if (r.files.length) parts.push(`Files written: ${r.files.map((f) => `sandbox:${f.path}`).join(', ')}`);
    if (r.images.length) parts.push(`${r.images.length} image(s) were shown to the user.`);
    // A timed-out run ends `failed` with no completed event (there is no failed event for this item type).
    if (!r.timedOut) io.progress('code_interpreter_call.completed');
    return { item: item(r.timedOut ? 'failed' : 'completed', outputs), output: parts.join('\n'), sources };
  }
}

function codeOf(args: string): string {
  const a = parseArgs(args);
  if (typeof a.code === 'string') return a.code;
  if (typeof a.input === 'string') return a.input;
  return args && !args.trimStart().startsWith('{') ? args : '';
}
