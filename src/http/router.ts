/**
 * The route table behind find-my-way (a radix tree, so the hot `POST /v1/responses` is a few string
 * compares). Every route is served with and without a version prefix (`/responses`, `/v1/responses`,
 * `/v5/responses`), trailing and doubled slashes are tolerated, and path parameters arrive decoded. Decoding
 * is safe: a malformed %-sequence is a `bad_path` result (a 400), never a thrown URIError.
 */
import FindMyWay from 'find-my-way';

export type RouteParams = Record<string, string | undefined>;

export interface RouteDef<H> {
  /** find-my-way syntax without the version prefix: `/responses/:id`, `/models/*` (the rest, slashes too). */
  path: string;
  methods: Partial<Record<string, H>>;
  /** Served only as written: no version prefix, no authentication (`/health`). */
  unversioned?: boolean;
  /** Its POST honours `Idempotency-Key` (server.ts wraps it; the router itself ignores this). */
  idempotent?: boolean;
}

export type RouteMatch<H> =
  | { kind: 'route'; handler: H; params: RouteParams; authenticate: boolean }
  | { kind: 'method_not_allowed'; allow: string }
  | { kind: 'bad_path' }
  | { kind: 'not_found' };

/** Methods a known path answers 405 to when it does not take them; anything more exotic is a 404. */
export const COMMON_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** `versioned`: registered under `/:version`, which must then be `v<digits>`. */
type Stored<H> = ({ kind: 'route'; handler: H; authenticate: boolean } | { kind: 'method_not_allowed'; allow: string }) & { versioned: boolean };

const VERSION = /^v\d+$/;

const NOOP = () => {};
const NO_SEARCH_PARAMS = {};

export function createRouter<H>(routes: readonly RouteDef<H>[]): (method: string, target: string) => RouteMatch<H> {
  const router = FindMyWay({
    ignoreTrailingSlash: true,
    ignoreDuplicateSlashes: true,
    // Response and file ids are ~50 characters; a longer segment is no id of ours (404).
    maxParamLength: 256,
    // Handlers read the query through a URL when there is one; find-my-way need not parse it too.
    querystringParser: () => NO_SEARCH_PARAMS,
    // A null store marks this result (see below).
    onBadUrl: NOOP,
  });
  for (const route of routes) {
    const allow = Object.keys(route.methods).join(', ');
    const methods = new Set<string>([...COMMON_METHODS, ...Object.keys(route.methods)]);
    // A plain `:version` checked after the match costs less than a regex parameter on every request.
    for (const versioned of route.unversioned ? [false] : [false, true]) {
      for (const method of methods) {
        const handler = route.methods[method];
        const stored: Stored<H> = handler
          ? { kind: 'route', handler, authenticate: !route.unversioned, versioned }
          : { kind: 'method_not_allowed', allow, versioned };
        router.on(method as FindMyWay.HTTPMethod, versioned ? `/:version${route.path}` : route.path, NOOP, stored);
      }
    }
  }
  // Generated matchers instead of the tree walk: same results, a fraction of the cost per lookup.
  router.compile();
  return (method, target) => {
    const found = router.find(method as FindMyWay.HTTPMethod, target);
    if (!found) return NOT_FOUND;
    const stored = found.store as Stored<H> | null;
    if (!stored) return BAD_PATH;
    const params = found.params as RouteParams;
    if (stored.versioned && !VERSION.test(params.version!)) return NOT_FOUND;
    if (stored.kind === 'method_not_allowed') return { kind: 'method_not_allowed', allow: stored.allow };
    return { kind: 'route', handler: stored.handler, params, authenticate: stored.authenticate };
  };
}

const NOT_FOUND = { kind: 'not_found' } as const;
const BAD_PATH = { kind: 'bad_path' } as const;
