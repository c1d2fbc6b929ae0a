/** The API objects (as the `openai` package's types describe them) built from rows, and the ids. */
import { randomBytes } from 'node:crypto';
import type { FileCounts, VectorStoreBatchRow, VectorStoreFileRow, VectorStoreRow } from './vector-store-rows.js';

export interface VectorStoreObject {
  id: string;
  object: 'vector_store';
  created_at: number;
  name: string;
  usage_bytes: number;
  file_counts: FileCounts;
  status: 'expired' | 'in_progress' | 'completed';
  expires_after?: { anchor: 'last_active_at'; days: number };
  expires_at: number | null;
  last_active_at: number | null;
  metadata: Record<string, string> | null;
}

export interface VectorStoreFileObject {
  id: string;
  object: 'vector_store.file';
  usage_bytes: number;
  created_at: number;
  vector_store_id: string;
  status: VectorStoreFileRow['status'];
  last_error: { code: string; message: string } | null;
  chunking_strategy: { type: 'static'; static: { max_chunk_size_tokens: number; chunk_overlap_tokens: number } };
  attributes: Record<string, string | number | boolean> | null;
}

export interface VectorStoreBatchObject {
  id: string;
  object: 'vector_store.files_batch';
  created_at: number;
  vector_store_id: string;
  status: 'in_progress' | 'completed' | 'cancelled' | 'failed';
  file_counts: FileCounts;
}

export interface ListObject<T> { object: 'list'; data: T[]; first_id: string | null; last_id: string | null; has_more: boolean }

const s = (ms: number) => Math.floor(ms / 1000);

export function isExpired(row: VectorStoreRow, now = Date.now()): boolean {
  return row.expires_at !== null && row.expires_at <= now;
}

export function presentStore(row: VectorStoreRow, counts: FileCounts, usageBytes: number, now = Date.now()): VectorStoreObject {
  const out: VectorStoreObject = {
    id: row.id,
    object: 'vector_store',
    created_at: s(row.created_at),
    name: row.name,
    usage_bytes: usageBytes,
    file_counts: counts,
    status: isExpired(row, now) ? 'expired' : counts.in_progress > 0 ? 'in_progress' : 'completed',
    expires_at: row.expires_at === null ? null : s(row.expires_at),
    last_active_at: s(row.last_active_at),
    metadata: row.metadata ? JSON.parse(row.metadata) : null,
  };
  if (row.expires_after_days !== null) out.expires_after = { anchor: 'last_active_at', days: row.expires_after_days };
  return out;
}

export function presentFile(row: VectorStoreFileRow): VectorStoreFileObject {
  return {
    id: row.file_id,
    object: 'vector_store.file',
    usage_bytes: Number(row.usage_bytes),
    created_at: s(row.created_at),
    vector_store_id: row.vector_store_id,
    status: row.status,
    last_error: row.last_error ? JSON.parse(row.last_error) : null,
    chunking_strategy: JSON.parse(row.chunking),
    attributes: row.attributes ? JSON.parse(row.attributes) : null,
  };
}

export function presentBatch(row: VectorStoreBatchRow, counts: FileCounts): VectorStoreBatchObject {
  const status = row.cancelled ? 'cancelled' : counts.in_progress > 0 ? 'in_progress' : counts.total > 0 && counts.failed === counts.total ? 'failed' : 'completed';
  return { id: row.id, object: 'vector_store.files_batch', created_at: s(row.created_at), vector_store_id: row.vector_store_id, status, file_counts: counts };
}

export function listOf<T extends { id: string }>(data: T[], hasMore: boolean): ListObject<T> {
  return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: hasMore };
}

/** `vs_` / `vsfb_` and 32 hex digits: the creation time in ms (12 digits, so ids sort by age) and 80 random bits. */
export function newVectorStoreId(prefix: 'vs' | 'vsfb'): string {
  return `${prefix}_${Date.now().toString(16).padStart(12, '0')}${randomBytes(10).toString('hex')}`;
}

export function newIngestId(): string {
  return randomBytes(8).toString('hex');
}
