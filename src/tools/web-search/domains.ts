/**
 * `filters.allowed_domains`: a domain allows itself and its subdomains. Matching is on host names (after URL
 * parsing, so IDNs compare in punycode and `evil-example.com` or `example.com.evil.net` never pass for
 * `example.com`), never on substrings of the URL.
 */

/**
 * The host name an allowed-domain entry stands for: lower case, punycode, without scheme, path, port, a
 * leading `*.` or a trailing dot. Null for an entry that names no host.
 */
export function normalizeDomain(entry: string): string | null {
  let s = entry.trim().toLowerCase();
  if (!s) return null;
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//, '').replace(/^\*\./, '').replace(/^\.+/, '');
  try {
    const host = new URL(`http://${s}`).hostname.replace(/\.$/, '');
    return host || null;
  } catch {
    return null;
  }
}

/** The entries normalized and deduplicated (unusable ones dropped). */
export function normalizeDomains(entries: readonly string[] | undefined): string[] {
  const out = new Set<string>();
  for (const e of entries ?? []) {
    const d = normalizeDomain(e);
    if (d) out.add(d);
  }
  return [...out];
}

/** The URL's host, normalized as domains are; null for a URL that is not http(s). */
export function hostOf(url: string): string | null {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return u.hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return null;
  }
}

/** True when `url` is on one of `domains` or a subdomain of one; any http(s) URL when `domains` is empty. */
export function urlAllowed(url: string, domains: readonly string[]): boolean {
  const host = hostOf(url);
  if (!host) return false;
  if (!domains.length) return true;
  return domains.some((d) => host === d || host.endsWith(`.${d}`));
}

/** The hits whose URL passes `allowedDomains` (raw entries, normalized here), in order, without repeated URLs. */
export function keepAllowed<T extends { url: string }>(hits: readonly T[], allowedDomains: readonly string[] | undefined): T[] {
  const domains = normalizeDomains(allowedDomains);
  const seen = new Set<string>();
  const out: T[] = [];
  for (const h of hits) {
    if (!urlAllowed(h.url, domains) || seen.has(h.url)) continue;
    seen.add(h.url);
    out.push(h);
  }
  return out;
}

/** `query site:a.com`, or with several domains `query (site:a.com OR site:b.com)`. */
export function withSiteTerms(query: string, domains: readonly string[]): string {
  if (!domains.length) return query;
  if (domains.length === 1) return `${query} site:${domains[0]}`;
  return `${query} (${domains.map((d) => `site:${d}`).join(' OR ')})`;
}

/** Lists merged by taking one from each in turn, so each domain's best hits come first. */
export function interleave<T>(lists: readonly T[][]): T[] {
  const out: T[] = [];
  for (let i = 0; lists.some((l) => i < l.length); i++) for (const l of lists) if (i < l.length) out.push(l[i]);
  return out;
}
