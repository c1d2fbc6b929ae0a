/** Who is asking. Every store query is scoped by `tenant`, so per-project isolation needs no query changes. */
export interface RequestContext {
  requestId: string;
  /** The project / tenant the caller's key belongs to ('default' when keys carry no project). */
  tenant: string;
  /** Which configured key authenticated the request (null when auth is off). */
  keyId: string | null;
}
