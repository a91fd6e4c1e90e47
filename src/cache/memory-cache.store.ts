import { LRUCache } from 'lru-cache';
import type { CacheEntry } from './cache-entry';
import type { CacheStore } from './cache-store';

/** Bytes an entry is charged for: its body plus its JSON meta. */
const sizeOf = (entry: CacheEntry) => entry.body.length + Buffer.byteLength(JSON.stringify(entry.meta));

/**
 * The per-process store: an LRU bounded by entry count (CACHE_MAX_SIZE) and
 * by bytes (CACHE_MAX_BYTES), each entry with its own TTL. Least recently
 * used entries go first when either bound is reached.
 */
export class MemoryCacheStore implements CacheStore {
  readonly kind = 'memory';
  private evicted = 0;
  private readonly lru: LRUCache<string, CacheEntry>;

  constructor(maxEntries: number, maxBytes: number) {
    this.lru = new LRUCache<string, CacheEntry>({
      max: maxEntries,
      maxSize: maxBytes,
      sizeCalculation: sizeOf,
      allowStale: false,
      updateAgeOnGet: false,
      dispose: (_value, _key, reason) => {
        if (reason === 'evict') this.evicted++;
      },
    });
  }

  get(key: string): Promise<CacheEntry | undefined> {
    return Promise.resolve(this.lru.get(key));
  }

  set(key: string, entry: CacheEntry, ttlMs: number): Promise<boolean> {
    const status: LRUCache.Status<string, CacheEntry> = {};
    this.lru.set(key, entry, { ttl: ttlMs, status });
    return Promise.resolve(!status.maxEntrySizeExceeded); // larger than CACHE_MAX_BYTES on its own
  }

  isAvailable(): boolean {
    return true;
  }

  usage() {
    this.lru.purgeStale(); // expired entries are not "held"
    return { entries: this.lru.size, bytes: this.lru.calculatedSize, evictions: this.evicted };
  }

  close(): Promise<void> {
    this.lru.clear();
    return Promise.resolve();
  }
}
