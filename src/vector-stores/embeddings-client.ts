/**
 * Any OpenAI-compatible embeddings endpoint: `POST {base_url}/embeddings` with `{model, input: string[]}`
 * (and `dimensions` when configured) → `data[].embedding` (matched back by `index`). Vectors are scaled to unit
 * length once here, so cosine similarity at search time is a dot product.
 */
import { DEFAULT_EMBEDDING_BATCH, DEFAULT_EMBEDDING_TIMEOUT_MS, type EmbeddingsOptions } from './vector-store-options.js';

export class EmbeddingsError extends Error {}

export class EmbeddingsClient {
  private readonly url: string;
  readonly batchSize: number;

  constructor(private readonly opts: EmbeddingsOptions) {
    this.url = `${opts.base_url.replace(/\/+$/, '')}/embeddings`;
    this.batchSize = Math.max(1, opts.batch_size ?? DEFAULT_EMBEDDING_BATCH);
  }

  /** Embeds `texts` in batches of `batch_size`, in order. */
  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) out.push(...(await this.embedBatch(texts.slice(i, i + this.batchSize), signal)));
    return out;
  }

  private async embedBatch(input: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const body: Record<string, unknown> = { model: this.opts.model, input };
    if (this.opts.dimensions) body.dimensions = this.opts.dimensions;
    const timeout = AbortSignal.timeout(this.opts.timeout_ms ?? DEFAULT_EMBEDDING_TIMEOUT_MS);
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.opts.api_key ? { authorization: `Bearer ${this.opts.api_key}` } : {}) },
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      throw new EmbeddingsError(`the embeddings request failed (${err instanceof Error ? err.name : 'error'})`);
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new EmbeddingsError(`the embeddings provider answered ${res.status}`);
    }
    let json: { data?: { embedding?: unknown; index?: number }[] };
    try {
      json = (await res.json()) as typeof json;
    } catch {
      throw new EmbeddingsError('the embeddings provider answered invalid JSON');
    }
    const data = json.data;
    if (!Array.isArray(data) || data.length !== input.length) throw new EmbeddingsError('the embeddings provider answered the wrong number of vectors');
    const out: Float32Array[] = new Array(input.length);
    data.forEach((d, k) => {
      const i = typeof d.index === 'number' ? d.index : k;
      if (!Array.isArray(d.embedding) || !(i >= 0 && i < input.length)) throw new EmbeddingsError('the embeddings provider answered a malformed vector');
      out[i] = unit(Float32Array.from(d.embedding as number[]));
    });
    if (out.some((v) => !v)) throw new EmbeddingsError('the embeddings provider answered a malformed vector');
    return out;
  }
}

export function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const n = Math.sqrt(s);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}

export function toBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export function fromBlob(b: Uint8Array): Float32Array {
  // Copy: a BLOB's bytes need not be 4-byte aligned.
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float32Array(copy.buffer);
}
