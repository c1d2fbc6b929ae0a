/** `POST /v1/responses/compact` (see context/compact-response.ts). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ContextManager } from '../context/context-manager.js';
import { compactResponse } from '../context/compact-response.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { RequestContext } from '../store/request-context.js';
import type { ResponseStore } from '../store/response-store.js';
import { clientGone } from './client-gone.js';
import { readJsonBody } from './read-body.js';
import { sendJson } from './send.js';

export interface CompactRouteDeps {
  store: ResponseStore;
  registry: ProviderRegistry;
  context: ContextManager;
  bodyLimitBytes: number;
}

export async function compactRoute(deps: CompactRouteDeps, ctx: RequestContext, req: IncomingMessage, res: ServerResponse) {
  const body = await readJsonBody(req, deps.bodyLimitBytes);
  // A client that goes away cancels the summary's upstream call.
  sendJson(res, 200, await compactResponse(deps, ctx, body, clientGone(res)));
}
