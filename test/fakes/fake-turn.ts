/**
 * What a fake upstream should answer next. Every fake (Chat Completions, Responses, Anthropic, Gemini) takes
 * the same script and renders it in its vendor's true wire format, so one test can run against any provider.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface FakeToolCall { name: string; arguments: string; id?: string }

export type FakeTurn =
  | {
      kind: 'reply';
      /** Final answer text, streamed in `chunkSize`-character deltas (default 4). */
      text?: string;
      /** Reasoning / thinking text streamed before the answer. */
      reasoning?: string;
      /** Opaque reasoning state (Anthropic signature, Gemini thoughtSignature, OpenAI encrypted_content). */
      reasoningSignature?: string;
      refusal?: string;
      toolCalls?: FakeToolCall[];
      /** Vendor-neutral finish: 'stop' | 'length' | 'tool_calls' | 'content_filter'. Default derived. */
      finish?: 'stop' | 'length' | 'tool_calls' | 'content_filter';
      usage?: { input: number; output: number; cached?: number; reasoning?: number };
      chunkSize?: number;
      /** Delay between SSE frames, ms (default 0). */
      delayMs?: number;
    }
  /** An HTTP error with the vendor's error body shape (or `body` verbatim). */
  | { kind: 'error'; status: number; message?: string; body?: unknown; headers?: Record<string, string> }
  /** Accept the connection and never answer (timeout tests). */
  | { kind: 'hang' }
  /** Start a 200 stream, send `text` as deltas, then destroy the socket. */
  | { kind: 'drop-mid-stream'; text: string };

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (undefined for GET). */
  body: any;
}

export interface FakeUpstream {
  /** Base URL as the provider config takes it (includes the version segment, e.g. `http://127.0.0.1:1234/v1`). */
  baseUrl: string;
  received: ReceivedRequest[];
  /** Queue answers for the next requests, in order. With an empty queue the fake replies `echo: <last user text>`. */
  enqueue(...turns: FakeTurn[]): void;
  close(): Promise<void>;
}

/** The default reply text when nothing is queued: deterministic, derived from the last user message. */
export function echoText(lastUserText: string): string {
  return `echo: ${lastUserText}`;
}
