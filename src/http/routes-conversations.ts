/** `/v1/conversations` and its items, as the `openai` SDK's `client.conversations.*` calls them. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidRequest } from '../api/errors.js';
import type { ConversationService } from '../conversations/conversation-service.js';
import { parseAddItems, parseCreateConversation, parseUpdateConversation } from '../conversations/conversation-schemas.js';
import type { RequestContext } from '../store/request-context.js';
import { intParam } from './query-params.js';
import { readJsonBody } from './read-body.js';
import type { RouteDef, RouteParams } from './router.js';
import { sendJson } from './send.js';

export interface ConversationsRouteDeps {
  conversations: ConversationService;
  bodyLimitBytes: number;
}

export type ConversationsHandler = (
  deps: ConversationsRouteDeps, ctx: RequestContext, params: RouteParams, url: URL, req: IncomingMessage, res: ServerResponse,
) => Promise<void>;

/** `client.conversations.create()` with no arguments sends no body at all. */
function readOptionalBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const length = req.headers['content-length'];
  if (length === '0' || (length === undefined && req.headers['transfer-encoding'] === undefined)) return Promise.resolve({});
  return readJsonBody(req, limit);
}

/** The SDK sends `include[]=a&include[]=b`; plain `include=a` works too. */
function includeParam(url: URL): string[] {
  return [...url.searchParams.getAll('include[]'), ...url.searchParams.getAll('include')];
}

const create: ConversationsHandler = async (d, c, _p, _u, req, res) => {
  sendJson(res, 200, await d.conversations.create(c, parseCreateConversation(await readOptionalBody(req, d.bodyLimitBytes))));
};

const update: ConversationsHandler = async (d, c, p, _u, req, res) => {
  sendJson(res, 200, await d.conversations.update(c, p.id!, parseUpdateConversation(await readJsonBody(req, d.bodyLimitBytes))));
};

const addItems: ConversationsHandler = async (d, c, p, u, req, res) => {
  const body = parseAddItems(await readJsonBody(req, d.bodyLimitBytes));
  sendJson(res, 200, await d.conversations.addItems(c, p.id!, body, includeParam(u)));
};

const listItems: ConversationsHandler = async (d, c, p, u, _req, res) => {
  const limit = intParam(u, 'limit', 20, 1, 100);
  const order = u.searchParams.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw invalidRequest(`Invalid 'order': expected 'asc' or 'desc', got '${order}'.`, 'order', 'invalid_value');
  const after = u.searchParams.get('after') ?? undefined;
  sendJson(res, 200, await d.conversations.listItems(c, p.id!, { limit, order, after, include: includeParam(u) }));
};

/** Splice into server.ts's ROUTES: paths without their `/v1` prefix; `:id` arrives decoded (router.ts). */
export const CONVERSATION_ROUTES: RouteDef<ConversationsHandler>[] = [
  { path: '/conversations', methods: { POST: create } },
  {
    path: '/conversations/:id',
    methods: {
      GET: async (d, c, p, _u, _req, res) => sendJson(res, 200, await d.conversations.retrieve(c, p.id!)),
      POST: update,
      DELETE: async (d, c, p, _u, _req, res) => sendJson(res, 200, await d.conversations.delete(c, p.id!)),
    },
  },
  { path: '/conversations/:id/items', methods: { GET: listItems, POST: addItems } },
  {
    path: '/conversations/:id/items/:item_id',
    methods: {
      GET: async (d, c, p, u, _req, res) => sendJson(res, 200, await d.conversations.getItem(c, p.id!, p.item_id!, includeParam(u))),
      DELETE: async (d, c, p, _u, _req, res) => sendJson(res, 200, await d.conversations.deleteItem(c, p.id!, p.item_id!)),
    },
  },
];
