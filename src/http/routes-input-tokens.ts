/** `POST /v1/responses/input_tokens` (see responses/count-input-tokens.ts). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProviderRegistry } from '../providers/registry.js';
import { countInputTokens } from '../responses/count-input-tokens.js';
import type { RequestContext } from '../store/request-context.js';
import type { ResponseStore } from '../store/response-store.js';
import { clientGone } from './client-gone.js';
import { readJsonBody } from './read-body.js';
import { sendJson } from './send.js';
import type { Logger } from '../log/logger.js';
import type { ConversationService } from '../conversations/conversation-service.js';
import type { ContextManager } from '../context/context-manager.js';

export interface InputTokensRouteDeps {
  store: ResponseStore;
  registry: ProviderRegistry;
  bodyLimitBytes: number;
  log?: Logger;
  conversations?: ConversationService;
  /** Expands sealed compaction items (context/context-manager.ts). */
  context?: ContextManager;
}

export async function inputTokensRoute(deps: InputTokensRouteDeps, ctx: RequestContext, req: IncomingMessage, res: ServerResponse) {
  const body = await readJsonBody(req, deps.bodyLimitBytes);
  // A client that goes away cancels the upstream count call.
  sendJson(res, 200, await countInputTokens(deps, ctx, body, clientGone(res)));
}
