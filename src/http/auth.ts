/**
 * API-key check for `/v1` routes: `Authorization: Bearer <key>` or `x-api-key: <key>` (both appear in the
 * seed documents). Keys are compared by SHA-256 digest, so lookup time does not depend on how much matched.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from '../api/errors.js';
import type { ApiKeyConfig } from '../config/load-config.js';
import type { RequestContext } from '../store/request-context.js';

export class Authenticator {
  private readonly byDigest = new Map<string, ApiKeyConfig>();

  constructor(keys: ApiKeyConfig[]) {
    for (const k of keys) this.byDigest.set(digest(k.key), k);
  }

  get enabled(): boolean {
    return this.byDigest.size > 0;
  }

  authenticate(headers: IncomingHttpHeaders, requestId: string): RequestContext {
    if (!this.enabled) return { requestId, tenant: 'default', keyId: null };
    const presented = bearer(headers.authorization) ?? single(headers['x-api-key']);
    if (!presented) {
      throw new ApiError(401, 'You didn\'t provide an API key. Send it as "Authorization: Bearer <key>" or "x-api-key: <key>".', {
        code: 'missing_api_key',
      });
    }
    const key = this.byDigest.get(digest(presented));
    if (!key) throw new ApiError(401, 'Incorrect API key provided.', { code: 'invalid_api_key' });
    return { requestId, tenant: key.tenant, keyId: key.id };
  }
}

function digest(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function bearer(h: string | undefined): string | null {
  if (!h) return null;
  const m = /^Bearer\s+(.+)$/i.exec(h.trim());
  return m ? m[1].trim() : null;
}

function single(h: string | string[] | undefined): string | null {
  if (!h) return null;
  return (Array.isArray(h) ? h[0] : h).trim() || null;
}
