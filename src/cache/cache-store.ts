import type { CacheEntry } from './cache-entry';

/** Where entries live: in this process (memory) or shared by every replica (redis). */
export interface CacheStore {
  readonly kind: 'memory' | 'redis';
  /** The entry under `key`, or undefined. Rejects when the store cannot be reached. */
  get(key: string): Promise<CacheEntry | undefined>;
  /** Stores `entry` for `ttlMs`; false when it does not fit. Rejects when the store cannot be reached. */
  set(key: string, entry: CacheEntry, ttlMs: number): Promise<boolean>;
  /** Whether a command would be sent right now (a down Redis is skipped without a round trip). */
  isAvailable(): boolean;
  /** Entries and bytes held, and entries pushed out by the size limits; null where the store cannot tell. */
  usage(): { entries: number | null; bytes: number | null; evictions: number };
  close(): Promise<void>;
}
