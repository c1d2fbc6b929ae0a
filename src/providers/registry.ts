/**
 * Routes `provider/model` strings (and aliases) to configured providers. The only file that knows which
 * adapter implements which `kind`.
 */
import { ApiError } from '../api/errors.js';
import type { Config } from '../config/load-config.js';
import type { ProviderConfig, ProviderKind } from '../config/types.js';
import { createAnthropicProvider } from './anthropic/index.js';
import { createGeminiProvider } from './gemini/index.js';
import { createOpenAIChatProvider } from './openai-chat/index.js';
import { createOpenAIResponsesProvider } from './openai-responses/index.js';
import type { Provider } from './types.js';

const FACTORIES: Record<ProviderKind, (c: ProviderConfig) => Provider> = {
  'openai-chat': createOpenAIChatProvider,
  openai: createOpenAIResponsesProvider,
  anthropic: createAnthropicProvider,
  gemini: createGeminiProvider,
};

/**
 * Remote URLs Switchboard must fetch for each kind: OpenAI and Anthropic fetch image/document URLs
 * themselves; the Chat-Completions adapter cannot send a `file_url` (and many local servers cannot fetch
 * at all); Gemini's `fileData.fileUri` does not take arbitrary web URLs.
 */
const FETCH_REMOTE: Record<ProviderKind, { image: boolean; file: boolean }> = {
  openai: { image: false, file: false },
  'openai-chat': { image: false, file: true },
  anthropic: { image: false, file: false },
  gemini: { image: true, file: true },
};

export function fetchRemoteFor(config: ProviderConfig): { image: boolean; file: boolean } {
  return config.fetchRemote ?? FETCH_REMOTE[config.kind];
}

export interface Route {
  provider: Provider;
  config: ProviderConfig;
  /** The upstream's model id. */
  model: string;
  /** `provider/model`, as reported in the Response's `model`. */
  routed: string;
}

export interface ModelListing { id: string; owned_by: string }

export class ProviderRegistry {
  private readonly providers = new Map<string, { provider: Provider; config: ProviderConfig }>();

  constructor(private readonly config: Pick<Config, 'providers' | 'aliases'>) {
    for (const pc of config.providers) this.providers.set(pc.name, { provider: FACTORIES[pc.kind](pc), config: pc });
  }

  /** Resolved model strings: most requests name one of a few models (bounded: any string may be sent). */
  private readonly resolved = new Map<string, readonly Route[]>();

  /** Every route a model string names, primary first (an alias may list fallbacks). Callers must not mutate them. */
  resolve(model: string): readonly Route[] {
    let routes = this.resolved.get(model);
    if (!routes) {
      // Own keys only: a model named `constructor` or `__proto__` is a model string, not Object.prototype's.
      const targets = Object.hasOwn(this.config.aliases, model) ? this.config.aliases[model] : [model];
      routes = targets.map((t) => this.route(t, model)); // throws model_not_found: nothing is remembered
      if (this.resolved.size >= 1024) this.resolved.clear();
      this.resolved.set(model, routes);
    }
    return routes;
  }

  private route(target: string, asked: string): Route {
    const slash = target.indexOf('/');
    const name = slash > 0 ? target.slice(0, slash) : '';
    const entry = this.providers.get(name);
    const upstreamModel = target.slice(slash + 1);
    if (!entry || !upstreamModel) {
      const known = [...this.providers.keys()];
      throw new ApiError(400, `The model '${asked}' does not exist or is not served by any configured provider. ` +
        `Use 'provider/model' with a configured provider (${known.length ? known.join(', ') : 'none configured'}) or a configured alias.`, {
        param: 'model', code: 'model_not_found',
      });
    }
    return { ...entry, model: upstreamModel, routed: `${name}/${upstreamModel}` };
  }

  list(): ModelListing[] {
    const out: ModelListing[] = [];
    for (const { config } of this.providers.values()) {
      for (const m of config.models) out.push({ id: `${config.name}/${m}`, owned_by: config.name });
    }
    for (const alias of Object.keys(this.config.aliases)) out.push({ id: alias, owned_by: 'switchboard' });
    return out;
  }
}
