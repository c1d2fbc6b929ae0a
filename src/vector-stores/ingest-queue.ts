/**
 * Background ingestion: jobs run first in, first out, at most `concurrency` at a time, in this process. Each
 * running job has an abort signal, so detaching a file, deleting its store or cancelling its batch stops the
 * work (its result would be refused anyway: the completing write checks the attempt's `ingest_id`).
 */

export interface IngestJob {
  tenant: string;
  storeId: string;
  fileId: string;
  ingestId: string;
  /** JSON of the row's chunking strategy. */
  chunking: string;
}

export class IngestQueue {
  private readonly waiting: IngestJob[] = [];
  private readonly running = new Map<string, AbortController>();
  private idle: (() => void)[] = [];
  private closed = false;

  constructor(private readonly concurrency: number, private readonly work: (job: IngestJob, signal: AbortSignal) => Promise<void>) {}

  push(job: IngestJob): void {
    if (this.closed) return;
    this.waiting.push(job);
    this.pump();
  }

  /** Drops waiting jobs and aborts running ones that `match`. */
  abort(match: (job: IngestJob) => boolean): void {
    for (let i = this.waiting.length - 1; i >= 0; i--) if (match(this.waiting[i])) this.waiting.splice(i, 1);
    for (const [key, ctl] of this.running) {
      const [storeId, fileId] = key.split(' ');
      if (match({ storeId, fileId } as IngestJob)) ctl.abort();
    }
  }

  get size(): number {
    return this.waiting.length + this.running.size;
  }

  /** Resolves once nothing waits or runs (tests, the bench). */
  async drained(): Promise<void> {
    while (this.size) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /** Stops taking jobs and aborts those running; what was not finished stays `in_progress` for the next start. */
  close(): void {
    this.closed = true;
    this.waiting.length = 0;
    for (const ctl of this.running.values()) ctl.abort();
  }

  private pump() {
    while (this.running.size < this.concurrency && this.waiting.length) {
      const job = this.waiting.shift()!;
      const key = `${job.storeId} ${job.fileId}`;
      const ctl = new AbortController();
      this.running.get(key)?.abort();
      this.running.set(key, ctl);
      void this.work(job, ctl.signal).finally(() => {
        if (this.running.get(key) === ctl) this.running.delete(key);
        this.pump();
        if (!this.size) for (const resolve of this.idle.splice(0)) resolve();
      });
    }
  }
}
