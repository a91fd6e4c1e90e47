import { createHash } from 'node:crypto';
import type { CaptureMetadata, CaptureResult, Phase } from '../capture/capture.types';

/** Everything of a stored capture except its bytes: small, JSON, stored beside the body. */
export interface CacheEntryMeta {
  content_type: string;
  metadata: CaptureMetadata;
  /** The phases of the capture that produced the entry (reported in logs, not re-sent as Server-Timing). */
  timings: Record<Phase, number>;
  /** SHA-256 of the body, base64url: the ETag's source. */
  body_sha256: string;
  /** Epoch milliseconds. */
  stored_at: number;
  expires_at: number;
}

export interface CacheEntry {
  meta: CacheEntryMeta;
  body: Buffer;
}

export const bodyHashOf = (body: Buffer) => createHash('sha256').update(body).digest('base64url');

/** Wraps a fresh capture as an entry that lives `ttlMs` from `now`. */
export function entryOf(result: CaptureResult, ttlMs: number, now = Date.now()): CacheEntry {
  return {
    body: result.body,
    meta: {
      content_type: result.contentType,
      metadata: result.metadata,
      timings: result.timings,
      body_sha256: bodyHashOf(result.body),
      stored_at: now,
      expires_at: now + ttlMs,
    },
  };
}

/** The capture an entry holds, as CaptureService would have returned it. */
export const resultOf = (entry: CacheEntry): CaptureResult => ({
  body: entry.body,
  contentType: entry.meta.content_type,
  metadata: entry.meta.metadata,
  timings: entry.meta.timings,
});
