/**
 * A streamed response's event log, as stored for replay (`GET /v1/responses/{id}?stream=true`).
 *
 * Most of a short stream's bytes are its three Response snapshots (`response.created`, `.in_progress` and the
 * terminal event), each a copy of the whole Response. Stored, every snapshot the finished Response can
 * reproduce is written as a marker instead: `"response": {"$final": {…fields that differed…}}`. Replay takes
 * the stored Response (with its output items, shown as the request's `include` asked) and puts the differing
 * fields back, so the replayed events are the events that were sent.
 *
 * A snapshot is compacted only when that is provably exact: the same keys in the same order, every other field
 * the very same value (snapshots are shallow copies, so an unchanged field is the same reference), and output
 * items that are the final items or their `include`-filtered copies. Anything else is stored in full.
 */
import type { Item } from '../api/items.js';
import { MODEL_OUTPUT_KEY, presentResponse, type ResponseObject } from '../api/response-object.js';

interface LogEvent { type: string; sequence_number: number; response?: unknown; [field: string]: unknown }

const MARKER = '$final';

export class EventLog {
  private readonly parts: string[] = [];
  private readonly snapshots: { index: number; event: LogEvent }[] = [];

  /** Appends one event, already serialized as it was sent. */
  add(event: LogEvent, json: string): void {
    if (isRecord(event.response)) this.snapshots.push({ index: this.parts.length, event });
    this.parts.push(json);
  }

  /** How many events are logged (their sequence numbers are 0 … size - 1). */
  get size(): number {
    return this.parts.length;
  }

  /** The event numbered `seq`, as it was sent. */
  jsonAt(seq: number): string {
    return this.parts[seq];
  }

  /** Puts another terminal event in the last one's place (the run failed after its turn). */
  replaceLast(json: string): void {
    this.parts[this.parts.length - 1] = json;
  }

  /** The log as stored (a JSON array), snapshots of `final` compacted; null when nothing was logged. */
  serialize(final: ResponseObject, includeEncrypted: boolean): string | null {
    if (!this.parts.length) return null;
    const parts = this.parts.slice();
    for (const { index, event } of this.snapshots) {
      const diff = differingFields(event.response as Record<string, unknown>, final, includeEncrypted);
      if (diff) parts[index] = JSON.stringify({ ...event, response: { [MARKER]: diff } });
    }
    return `[${parts.join(',')}]`;
  }
}

/**
 * The logged events with every `$final` marker replaced by the snapshot it stands for. `final` gives the stored
 * Response with its output items, and whether the original request asked for `reasoning.encrypted_content`;
 * it is called only when the log has a marker.
 */
export function expandEventLog(log: string, final: () => { response: ResponseObject; includeEncrypted: boolean }): LogEvent[] {
  const events = JSON.parse(log) as LogEvent[];
  let shown: ResponseObject | null = null;
  for (const e of events) {
    const r = e.response;
    if (!isRecord(r) || !(MARKER in r)) continue;
    if (!shown) {
      const f = final();
      shown = presentResponse(f.response, f.includeEncrypted);
    }
    e.response = { ...shown, ...(r[MARKER] as Record<string, unknown>) };
  }
  return events;
}

/** The fields where `snap` differs from `final`, or null when `final` cannot reproduce `snap` exactly. */
function differingFields(snap: Record<string, unknown>, final: ResponseObject, includeEncrypted: boolean): Record<string, unknown> | null {
  const keys = Object.keys(snap);
  const finalKeys = Object.keys(final);
  if (keys.length !== finalKeys.length) return null;
  const diff: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (k !== finalKeys[i]) return null;
    const a = snap[k];
    const b = final[k];
    if (k === 'output' && Array.isArray(a) && sameOutput(a as Item[], final.output, includeEncrypted)) continue;
    if (a === b) continue;
    // A field absent from the stored JSON (undefined) cannot be put back in its place, nor taken out.
    if (a === undefined || b === undefined) return null;
    diff[k] = a;
  }
  return diff;
}

/** Whether `shown` is `items` as presented: each the item itself, or its copy without `encrypted_content`. */
function sameOutput(shown: Item[], items: Item[], includeEncrypted: boolean): boolean {
  if (shown.length !== items.length) return false;
  for (let i = 0; i < shown.length; i++) {
    const a = shown[i];
    const b = items[i];
    if (a === b) continue;
    // The keys presentItem hides: a tool's model output always, encrypted reasoning unless asked for.
    const skip = b[MODEL_OUTPUT_KEY] !== undefined ? MODEL_OUTPUT_KEY
      : !includeEncrypted && b.type === 'reasoning' && b.encrypted_content != null ? 'encrypted_content' : null;
    if (!skip || !sameExcept(a as Record<string, unknown>, b as Record<string, unknown>, skip)) return false;
  }
  return true;
}

function sameExcept(a: Record<string, unknown>, b: Record<string, unknown>, skip: string): boolean {
  const ak = Object.keys(a);
  const bk = Object.keys(b).filter((k) => k !== skip);
  if (ak.length !== bk.length) return false;
  return ak.every((k, i) => k === bk[i] && a[k] === b[k]);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
