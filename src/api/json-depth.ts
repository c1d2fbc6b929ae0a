/**
 * A bound on how deeply a request body nests, checked before anything else reads the body.
 *
 * Everything after validation walks client JSON recursively on the JS stack (zod, ajv compiling a schema,
 * JSON.stringify when storing, the vendor converters), so a body nested thousands of levels deep used to fail
 * somewhere late — a 500, or a 502 `store_error` after the upstream call. The check itself is iterative.
 *
 * The bound is generous for real clients: a tool's JSON Schema spends two levels per nested property
 * (`properties` → the property's schema) and starts about five levels down (`tools[i].parameters`, or
 * `tools[i].tools[j].parameters` in a namespace), so 100 leaves room for schemas ~45 properties deep.
 */
import { ApiError } from './errors.js';
import { formatPath } from './validation-error.js';

/** Objects and arrays inside one another, the body itself being level 1. */
export const MAX_JSON_DEPTH = 100;

/** Throws 400 naming the first (in document order) object or array nested deeper than `max`. */
export function checkJsonDepth(body: unknown, max = MAX_JSON_DEPTH): void {
  if (!exceedsDepth(body, max)) return;
  const path = firstTooDeep(body, max);
  throw new ApiError(400, `Invalid '${formatPath(path)}': the request nests objects and arrays deeper than ${max} levels.`, {
    type: 'invalid_request_error',
    param: formatPath(path),
    code: 'invalid_value',
  });
}

/** The common case, kept cheap: no paths, no allocation per node. */
function exceedsDepth(root: unknown, max: number): boolean {
  const nodes: unknown[] = [root];
  const depths: number[] = [1];
  while (nodes.length) {
    const node = nodes.pop();
    const depth = depths.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > max) return true;
    if (Array.isArray(node)) {
      for (const child of node) {
        if (typeof child === 'object' && child !== null) { nodes.push(child); depths.push(depth + 1); }
      }
    } else {
      for (const key in node) {
        const child = (node as Record<string, unknown>)[key];
        if (typeof child === 'object' && child !== null) { nodes.push(child); depths.push(depth + 1); }
      }
    }
  }
  return false;
}

interface Visit { node: object; depth: number; key: string | number | null; parent: Visit | null }

/** Only run once a body is known to be too deep: depth-first in document order, with parent links for the path. */
function firstTooDeep(root: unknown, max: number): (string | number)[] {
  const stack: Visit[] = [{ node: root as object, depth: 1, key: null, parent: null }];
  while (stack.length) {
    const visit = stack.pop()!;
    if (visit.depth > max) return pathOf(visit);
    const children: Visit[] = [];
    const entries: [string | number, unknown][] = Array.isArray(visit.node)
      ? visit.node.map((v, i) => [i, v])
      : Object.entries(visit.node);
    for (const [key, child] of entries) {
      if (typeof child === 'object' && child !== null) children.push({ node: child, depth: visit.depth + 1, key, parent: visit });
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return [];
}

function pathOf(visit: Visit): (string | number)[] {
  const path: (string | number)[] = [];
  for (let v: Visit | null = visit; v && v.key !== null; v = v.parent) path.push(v.key);
  return path.reverse();
}
