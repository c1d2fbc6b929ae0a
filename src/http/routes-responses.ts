/** `/v1/responses` and its sub-resources. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidRequest } from '../api/errors.js';
import { parseCreateParams } from '../api/create-request-schema.js';
import { presentResponse } from '../api/response-object.js';
import type { ResponsesService } from '../responses/responses-service.js';
import type { RequestContext } from '../store/request-context.js';
import type { Logger } from '../log/logger.js';
import { intParam } from './query-params.js';
import { clientGone } from './client-gone.js';
import { readJsonBody } from './read-body.js';
import { sendJson, sendJsonText } from './send.js';
import { SseWriter } from './sse-writer.js';

export interface ResponsesRouteDeps {
  service: ResponsesService;
  bodyLimitBytes: number;
  keepAliveMs: number;
  log?: Logger;
}

export async function createResponseRoute(deps: ResponsesRouteDeps, ctx: RequestContext, req: IncomingMessage, res: ServerResponse) {
  const params = parseCreateParams(await readJsonBody(req, deps.bodyLimitBytes));
  const begun = await deps.service.begin(ctx, params, clientGone(res));
  const headers: Record<string, string> = {};
  if (begun.dropped.length) headers['x-switchboard-dropped-params'] = begun.dropped.join(',');
  if (begun.truncated) headers['x-switchboard-truncated-items'] = String(begun.truncated);
  if (begun.omitted.length) {
    headers['x-switchboard-omitted-tools'] = begun.omitted.join(',');
    deps.log?.debug({ request_id: ctx.requestId, model: begun.response.model, tools: begun.omitted }, 'hosted tools left out: the provider cannot run them');
  }
  const includeEncrypted = (params.include ?? []).includes('reasoning.encrypted_content');

  if (begun.background) {
    // Queued and stored: the run goes on whatever this client does.
    if (params.stream) await followRun(deps, ctx, begun.response.id, -1, res, headers);
    else sendJson(res, 200, presentResponse(begun.response, includeEncrypted), headers);
    return;
  }

  if (params.stream) {
    let sse: SseWriter;
    try {
      sse = new SseWriter(res, headers, deps.keepAliveMs);
    } catch (err) {
      begun.discard();
      throw err;
    }
    try {
      await begun.execute(sse);
    } finally {
      sse.end();
    }
    return;
  }

  const outcome = await begun.execute(null);
  if (outcome.cancelled) return; // nobody is listening
  if (outcome.error) throw outcome.error.toApiError(params.model);
  if (outcome.json !== undefined) sendJsonText(res, 200, outcome.json, headers);
  else sendJson(res, 200, presentResponse(outcome.response, includeEncrypted), headers);
}

export async function getResponseRoute(deps: ResponsesRouteDeps, ctx: RequestContext, id: string, url: URL, res: ServerResponse) {
  const include = includeParam(url);
  if (url.searchParams.get('stream') === 'true') {
    const after = intParam(url, 'starting_after', -1, -1, Number.MAX_SAFE_INTEGER);
    await followRun(deps, ctx, id, after, res, {});
    return;
  }
  sendJson(res, 200, await deps.service.retrieve(ctx, id, include));
}

/**
 * A response's events after `after` as SSE: replayed, then followed live while it runs, until its end or
 * until this client leaves (which does not stop the run).
 */
async function followRun(deps: ResponsesRouteDeps, ctx: RequestContext, id: string, after: number, res: ServerResponse, headers: Record<string, string>) {
  let sse: SseWriter | null = null;
  let finished!: () => void;
  const over = new Promise<void>((resolve) => { finished = resolve; });
  const following = await deps.service.follow(ctx, id, after, {
    event: (type, json) => (sse ??= new SseWriter(res, headers, deps.keepAliveMs)).frame(type, json),
    end: () => finished(),
  });
  // Not found was thrown before anything was written; from here on, the answer is a stream.
  sse ??= new SseWriter(res, headers, deps.keepAliveMs);
  const gone = () => finished();
  res.once('close', gone);
  // Gone while the follow was being set up: its 'close' has already fired.
  if (res.destroyed) finished();
  try {
    await over;
  } finally {
    res.off('close', gone);
    following.unsubscribe();
    sse.end();
  }
}

export async function listInputItemsRoute(deps: ResponsesRouteDeps, ctx: RequestContext, id: string, url: URL, res: ServerResponse) {
  const limit = intParam(url, 'limit', 20, 1, 100);
  const order = url.searchParams.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw invalidRequest(`Invalid 'order': expected 'asc' or 'desc', got '${order}'.`, 'order', 'invalid_value');
  const after = url.searchParams.get('after') ?? undefined;
  sendJson(res, 200, await deps.service.listInputItems(ctx, id, { limit, order, after, include: includeParam(url) }));
}

/** The SDK sends `include[]=a&include[]=b`; plain `include=a` works too. */
function includeParam(url: URL): string[] {
  return [...url.searchParams.getAll('include[]'), ...url.searchParams.getAll('include')];
}
