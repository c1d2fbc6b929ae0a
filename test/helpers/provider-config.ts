/** A provider's config as the provider tests use it: a kind and base URL, 2 s timeouts, everything else plain. */
import type { ProviderConfig, ProviderKind } from '../../src/config/types.js';

export function testProviderConfig(kind: ProviderKind, baseUrl: string, over: Partial<ProviderConfig> = {}): ProviderConfig {
  return {
    name: kind,
    kind,
    baseUrl,
    apiKey: 'test-key',
    headers: {},
    dropUnsupported: false,
    timeouts: { connect: 2_000, firstByte: 2_000, idle: 2_000 },
    models: [],
    ...over,
  };
}
