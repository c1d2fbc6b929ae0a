/** Query-string parameters as the list and retrieve routes read them. */
import { invalidRequest } from '../api/errors.js';

/** An integer in [min, max], `dflt` when absent; anything else is a 400 naming the parameter. */
export function intParam(url: URL, name: string, dflt: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw invalidRequest(`Invalid '${name}': expected an integer between ${min} and ${max}, got '${raw}'.`, name, 'invalid_value');
  }
  return n;
}
