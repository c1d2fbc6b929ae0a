/**
 * The provider-neutral seam. Adapters turn a ModelRequest into a vendor call and the vendor's stream into
 * ModelEvents; the engine's ResponseBuilder turns ModelEvents into Response items and semantic events.
 * Nothing outside `providers/<vendor>/` knows a vendor's wire format, and adapters never see Response events.
 */
import type { CancelSignal } from '../api/cancellation.js';
import type { Item } from '../api/items.js';
import type { CreateParams } from '../api/create-params.js';

export interface ModelRequest {
  /** The upstream's own model id (the part after `provider/`). */
  model: string;
  /** System-level instructions for this turn only (never carried over by previous_response_id). */
  instructions: string | null;
  /** The whole history for this turn, oldest first, normalized (see api/items.ts). */
  input: Item[];
  /**
   * The validated request fields (tools, tool_choice, temperature, text, reasoning, stop, seed…). Adapters read
   * what their `supportedParams` declare; the service has already rejected (or dropped, when configured) every
   * field the provider does not honour, so an adapter may rely on never seeing one.
   */
  params: CreateParams;
  /** Fires when the client goes away or the response is cancelled: abort the upstream call. */
  signal: CancelSignal;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cachedTokens?: number;
  reasoningTokens?: number;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error' | 'other';

export type ModelEvent =
  /** Upstream told us its own response id / the exact model that answered. */
  | { type: 'metadata'; model?: string; id?: string }
  | { type: 'text-delta'; delta: string }
  | { type: 'refusal-delta'; delta: string }
  /** Raw reasoning text (Responses `reasoning_text` content). */
  | { type: 'reasoning-delta'; delta: string }
  /** Reasoning summary text; `summaryIndex` starts a new summary part when it changes. */
  | { type: 'reasoning-summary-delta'; delta: string; summaryIndex?: number }
  /** Opaque reasoning state the vendor needs back next turn (encrypted_content, thinking signature). */
  | { type: 'reasoning-signature'; signature: string }
  /** Ends the current reasoning item (optional: a following non-reasoning event ends it too). */
  | { type: 'reasoning-end'; id?: string }
  /**
   * `kind: 'custom'` makes a `custom_tool_call` item (free-form input) instead of a `function_call`; its
   * deltas/`arguments` then carry the raw input text, not JSON. `namespace` is set for Codex-style
   * namespace tools (see providers/tool-mapping.ts).
   */
  | { type: 'tool-call-start'; callId: string; name: string; id?: string; namespace?: string; kind?: 'function' | 'custom' }
  | { type: 'tool-call-delta'; callId: string; delta: string }
  /** `arguments`, when given, is the authoritative full argument string. */
  | { type: 'tool-call-end'; callId: string; arguments?: string }
  /** A whole output item the builder passes through untouched (e.g. an upstream web_search_call). */
  | { type: 'item'; item: Item }
  /**
   * A hosted-tool item the vendor runs itself (web_search_call, file_search_call, code_interpreter_call,
   * image_generation_call, mcp_list_tools, mcp_call, …) started, in its initial shape. `key` is the adapter's
   * handle for it in the events that follow; the builder gives the item its output position.
   */
  | { type: 'hosted-item-start'; key: string; item: Item }
  /**
   * Progress of a started hosted item, in the Responses vocabulary Switchboard itself speaks: `name` is the event
   * type without `response.` (`web_search_call.searching`, `code_interpreter_call_code.delta`,
   * `image_generation_call.partial_image`, …) and `fields` its payload without type, sequence number, item id or
   * output index (the builder sets its own).
   */
  | { type: 'hosted-item-event'; key: string; name: string; fields: Record<string, unknown> }
  /** The hosted item finished: `item` is its final shape (it replaces the initial one). */
  | { type: 'hosted-item-done'; key: string; item: Item }
  /** A citation (url_citation, file_citation, container_file_citation, file_path) on the output text so far. */
  | { type: 'text-annotation'; annotation: Record<string, unknown> }
  /**
   * A stream event about the response as a whole that belongs to no output item and that the builder does not
   * make itself (`audio.delta`, `audio.transcript.done`, …): `name` without `response.`, `fields` its payload.
   */
  | { type: 'response-event'; name: string; fields: Record<string, unknown> }
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; reason: FinishReason; rawReason?: string };

export interface Provider {
  /** The configured name: the `provider` in `provider/model`. */
  readonly name: string;
  readonly kind: string;
  /** Request fields (CreateParams keys) this provider honours; anything else set on a request is rejected. */
  readonly supportedParams: ReadonlySet<string>;
  /**
   * Tool types (`tools[i].type`) the provider can pass to its model; undefined = every type (the vendor runs
   * hosted tools itself). Checked by the service before anything is stored or sent.
   */
  readonly supportedToolTypes?: ReadonlySet<string>;
  /**
   * Starts the upstream call. Resolves once the upstream has accepted it (2xx headers), so HTTP errors surface
   * before a single byte goes to the client; rejects with UpstreamError otherwise. The iterable yields events
   * until the upstream stream ends; a failure mid-stream is thrown from the iterator as an UpstreamError.
   */
  stream(request: ModelRequest): Promise<AsyncIterable<ModelEvent>>;
  /**
   * Counts the input tokens `request` would use if streamed now: the same translated messages, system prompt
   * and tools, counted by the vendor's own endpoint where it has one (else an estimate, documented by the
   * adapter). Optional: `POST /v1/responses/input_tokens` answers 400 for a provider without it. Rejects with
   * ApiError for a request the adapter refuses, UpstreamError for a failed upstream call.
   */
  countInputTokens?(request: ModelRequest): Promise<number>;
}
