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
  const run = await deps.service.begin(ctx, params, clientGone(res));
  const headers: Record<string, string> = {};
  if (run.dropped.length) headers['x-switchboard-dropped-params'] = run.dropped.join(',');
  if (run.truncated) headers['x-switchboard-truncated-items'] = String(run.truncated);
  if (run.omitted.length) {
    headers['x-switchboard-omitted-tools'] = run.omitted.join(',');
    deps.log?.debug({ request_id: ctx.requestId, model: run.response.model, tools: run.omitted }, 'hosted tools left out: the provider cannot run them');
  }
  const includeEncrypted = (params.include ?? []).includes('reasoning.encrypted_content');

  if (params.stream) {
    let sse: SseWriter;
    try {
      sse = new SseWriter(res, headers, deps.keepAliveMs);
    } catch (err) {
      run.discard();
      throw err;
    }
    try {
      await run.execute((e, json) => sse.frame(e.type, json), { onSettling: () => sse.hold(), ready: () => sse.ready() });
    } finally {
      sse.end();
    }
    return;
  }

  const outcome = await run.execute(() => {});
  if (outcome.cancelled) return; // nobody is listening
  if (outcome.error) throw outcome.error.toApiError(params.model);
  if (outcome.json !== undefined) sendJsonText(res, 200, outcome.json, headers);
  else sendJson(res, 200, presentResponse(outcome.response, includeEncrypted), headers);
}

export async function getResponseRoute(deps: ResponsesRouteDeps, ctx: RequestContext, id: string, url: URL, res: ServerResponse) {
  const include = includeParam(url);
  if (url.searchParams.get('stream') === 'true') {
    const after = intParam(url, 'starting_after', -1, -1, Number.MAX_SAFE_INTEGER);
    const events = await deps.service.events(ctx, id, after);
    const sse = new SseWriter(res, {}, 0);
    for (const e of events) sse.frame(String(e.type), JSON.stringify(e));
    sse.end();
    return;
  }
  sendJson(res, 200, await deps.service.retrieve(ctx, id, include));
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
