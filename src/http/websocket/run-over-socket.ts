/**
 * The one place WebSocket mode touches the responses service: start a run the way `POST /v1/responses` with
 * `stream: true` does (`service.begin`, then `execute` with the socket as the run's subscriber).
 */
import type { CancelSignal } from '../../api/cancellation.js';
import type { CreateParams } from '../../api/create-params.js';
import type { ResponseObject } from '../../api/response-object.js';
import type { ResponsesService } from '../../responses/responses-service.js';
import type { RequestContext } from '../../store/request-context.js';

export interface SocketRunSink {
  /** One event, already serialized: the same JSON, sequence numbers included, that SSE carries. */
  event(json: string): void;
  /** Back-pressure, as SseWriter.ready(): null while the socket takes more. */
  ready(): Promise<void> | null;
}

export interface SocketRunResult {
  response: ResponseObject;
  cancelled: boolean;
}

/**
 * Throws ApiError when the service refuses the request before it runs (the client's mistake, an unknown
 * `previous_response_id`, an upstream that refused before streaming). `shown` overrides fields of the
 * Response before its first event (a connection-local continuation names the response it continues, which the
 * service never saw: it got the history as explicit input).
 */
export async function runOverSocket(
  service: ResponsesService,
  ctx: RequestContext,
  params: CreateParams,
  signal: CancelSignal,
  sink: SocketRunSink,
  shown: Partial<Pick<ResponseObject, 'previous_response_id'>> = {},
): Promise<SocketRunResult> {
  // The service makes events only for a streamed request; the socket is the stream.
  const begun = await service.begin(ctx, { ...params, stream: true }, signal);
  Object.assign(begun.response, shown);
  // The socket is the run's subscriber, as an SSE writer is: terminal event after the commit, back-pressure.
  const outcome = await begun.execute({ event: (_type, json) => sink.event(json), ready: () => sink.ready() });
  return { response: outcome.response, cancelled: outcome.cancelled };
}
