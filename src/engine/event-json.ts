/**
 * Stream events as JSON text. `response.created` and `response.in_progress` carry the same Response copy
 * (ResponseBuilder.start); its JSON — most of a short stream's bytes — is made once and used for both.
 */
import type { StreamEvent } from './response-builder.js';

export class EventJson {
  private snapshot: unknown = null;
  private snapshotJson = '';

  of(e: StreamEvent): string {
    const r = e.response;
    // Only events made exactly `{ type, sequence_number, response }` (ResponseBuilder.emit keeps that order):
    // the text below is then byte for byte what JSON.stringify(e) gives.
    if (typeof r !== 'object' || r === null || Object.keys(e).length !== 3) return JSON.stringify(e);
    if (r !== this.snapshot) {
      this.snapshot = r;
      this.snapshotJson = JSON.stringify(r);
    }
    return `{"type":${JSON.stringify(e.type)},"sequence_number":${e.sequence_number},"response":${this.snapshotJson}}`;
  }
}
