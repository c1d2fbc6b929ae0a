/**
 * A vendor's base URL as that vendor's own SDK takes it, turned into the root the adapter's paths hang off.
 * The Anthropic SDK takes `https://api.anthropic.com` and adds `/v1/messages`; the Google GenAI SDK takes
 * `https://generativelanguage.googleapis.com` and adds `/v1beta/models/…`. Users also write the URL with the
 * version (as Switchboard's own defaults do). Either form must reach the same endpoint, never `/v1/v1/messages`.
 */

/** `baseUrl` ending in a version segment (`versionPattern`) as it is; otherwise with `defaultVersion` added. */
export function withApiVersion(baseUrl: string, defaultVersion: string, versionPattern: RegExp): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  return versionPattern.test(new URL(trimmed).pathname) ? trimmed : `${trimmed}/${defaultVersion}`;
}

/** Anthropic's Messages API lives under `/v1`. */
export const anthropicApiRoot = (baseUrl: string) => withApiVersion(baseUrl, 'v1', /\/v1$/);

/** Gemini's API under `/v1beta` by default; a URL that names `/v1`, `/v1alpha`, `/v1beta`, `/v2beta1`… keeps it. */
export const geminiApiRoot = (baseUrl: string) => withApiVersion(baseUrl, 'v1beta', /\/v\d+(?:(?:alpha|beta)\d*)?$/);
