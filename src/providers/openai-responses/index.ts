/**
 * The `openai` provider kind: OpenAI's own Responses API as the upstream, called statelessly (see
 * build-responses-request.ts). Two 400s are answered by retrying once, because both come from state
 * Switchboard added rather than from the client's request:
 * - "Encrypted content is not supported with this model" (param `include`): a non-reasoning model refused the
 *   `reasoning.encrypted_content` Switchboard always asks for. Retried without it, and remembered per model.
 * - "The encrypted content … could not be verified" (code `invalid_encrypted_content`): a reasoning item in the
 *   history holds a blob OpenAI did not issue (another vendor's signature after a model switch, or one OpenAI
 *   rotated out). Retried without reasoning items: the conversation goes on, minus the old chain of thought.
 * UpstreamError carries only the message, not the vendor's error code, hence the message patterns.
 */
import type { ProviderConfig } from '../../config/types.js';
import type { UpstreamError } from '../../api/errors.js';
import type { ModelEvent, ModelRequest, Provider } from '../types.js';
import { JsonBody, UpstreamClient } from '../upstream-http.js';
import { toUpstreamError } from '../upstream-errors.js';
import {
  responsesRequestBytes,
  clientAskedEncryptedReasoning,
  mayAskEncryptedReasoning,
} from './build-responses-request.js';
import { countResponsesInputTokens } from './count-responses-input-tokens.js';
import { ENCRYPTED_UNVERIFIED } from './encrypted-content-errors.js';
import { mapResponsesStream } from './map-responses-stream.js';
import { OPENAI_RESPONSES_PARAMS } from './responses-params.js';

export { OPENAI_RESPONSES_PARAMS } from './responses-params.js';

const ENCRYPTED_UNSUPPORTED = /encrypted content is not supported/i;
const MAX_REMEMBERED_MODELS = 1000;

export function createOpenAIResponsesProvider(config: ProviderConfig): Provider {
  const client = new UpstreamClient(config);
  /** Models that answered 400 to `reasoning.encrypted_content`. */
  const withoutEncryptedReasoning = new Set<string>();

  return {
    name: config.name,
    kind: 'openai',
    supportedParams: OPENAI_RESPONSES_PARAMS,
    countInputTokens: (request) => countResponsesInputTokens(client, config, request),

    async stream(request: ModelRequest): Promise<AsyncIterable<ModelEvent>> {
      const headers: Record<string, string> = config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {};
      let encryptedReasoning = mayAskEncryptedReasoning(request.model) && !withoutEncryptedReasoning.has(request.model);
      let dropReasoning = false;
      for (let attempt = 0; ; attempt++) {
        const body = new JsonBody(responsesRequestBytes(request, { encryptedReasoning, dropReasoning }));
        try {
          const messages = await client.postSse('/responses', body, headers, request.signal);
          return mapResponsesStream(messages);
        } catch (err) {
          const error = toUpstreamError(err, request.signal);
          if (attempt >= 2 || error.upstreamStatus !== 400) throw error;
          if (encryptedReasoning && refusedEncryptedReasoning(error, request)) {
            if (withoutEncryptedReasoning.size >= MAX_REMEMBERED_MODELS) withoutEncryptedReasoning.clear();
            withoutEncryptedReasoning.add(request.model);
            encryptedReasoning = false;
          } else if (!dropReasoning && ENCRYPTED_UNVERIFIED.test(error.message) && hasReasoning(request)) {
            dropReasoning = true;
          } else {
            throw error;
          }
        }
      }
    },
  };
}

function refusedEncryptedReasoning(error: UpstreamError, request: ModelRequest): boolean {
  return ENCRYPTED_UNSUPPORTED.test(error.message) && !clientAskedEncryptedReasoning(request);
}

function hasReasoning(request: ModelRequest): boolean {
  return request.input.some((item) => item.type === 'reasoning');
}
