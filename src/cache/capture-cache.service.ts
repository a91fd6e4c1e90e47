import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ClientGoneError, Deadline } from '../common/deadline';
import type { CaptureResult } from '../capture/capture.types';
import type { CaptureOptions } from '../capture/capture-options';
import { bodyHashOf, CacheEntry, entryOf, resultOf } from './cache-entry';
import { captureCacheKey } from './cache-key';
import type { CacheStore } from './cache-store';
import { CACHE_STORE } from './cache-store.provider';

export type CacheStatus = 'HIT' | 'MISS' | 'BYPASS';

/** A capture as the client gets it, and how the cache took part. */
export interface ServedCapture {
  result: CaptureResult;
  cache: CacheStatus;
  /** SHA-256 of the body (base64url), for the ETag. */
  bodySha256: string;
  /** Seconds a client may reuse the answer (Cache-Control max-age); 0 with BYPASS. */
  maxAgeSeconds: number;
  /** Milliseconds the lookup took (Server-Timing `cache` on a hit). */
  lookupMs: number;
}

export interface CacheStats {
  enabled: boolean;
  backend: 'memory' | 'redis' | 'off';
  /** False while Redis is unreachable: captures then bypass the cache. */
  available: boolean;
  hits: number;
  misses: number;
  coalesced: number;
  bypasses: number;
  stored: number;
  /** Captures answered but not stored: over CACHE_MAX_ENTRY_BYTES (or CACHE_MAX_BYTES). */
  too_large: number;
  store_errors: number;
  evictions: number;
  /** Held by the memory store; null with Redis (Redis's own INFO knows). */
  entries: number | null;
  bytes: number | null;
  /** Renders running right now that identical requests can join. */
  in_flight: number;
}

/** A down Redis logs one warning per this interval, not one per request. */
const WARN_EVERY_MS = 30_000;

/**
 * The response cache of /capture. A request's key is the hash of its
 * canonical capture (cache-key.ts). A fresh entry answers at once (HIT);
 * otherwise the capture renders once however many identical requests arrive
 * meanwhile (they wait for it), and a success is stored for `cache_ttl`
 * seconds (MISS). Errors are never stored. `cache: false`, a disabled cache
 * or an unreachable store mean a plain render (BYPASS): the cache never
 * fails a capture.
 */
@Injectable()
export class CaptureCacheService implements OnModuleDestroy {
  private readonly logger = new Logger('ResponseCache');
  /** key -> the render identical requests are waiting for. */
  private readonly inFlight = new Map<string, Promise<CacheEntry>>();
  private readonly counts = {
    hits: 0,
    misses: 0,
    coalesced: 0,
    bypasses: 0,
    stored: 0,
    too_large: 0,
    store_errors: 0,
  };
  private lastWarnAt = 0;

  /** `store`: null when the cache is off (see cache-store.provider.ts). */
  constructor(
    private readonly config: AppConfig,
    @Inject(CACHE_STORE) private readonly store: CacheStore | null,
  ) {}

  get enabled(): boolean {
    return this.store !== null;
  }

  /**
   * Answers `request` from the cache, or with `render()` (the capture
   * pipeline under the caller's deadline), storing what it returns.
   */
  async serve(
    request: CaptureOptions,
    deadline: Deadline,
    render: () => Promise<CaptureResult>,
  ): Promise<ServedCapture> {
    const store = this.store;
    if (!store || request.cache === false) return this.bypass(render);
    if (!store.isAvailable()) {
      this.warn(`the ${store.kind} store is unreachable`);
      return this.bypass(render);
    }
    const ttlMs = (request.cache_ttl ?? this.config.CACHE_DEFAULT_TTL) * 1000;
    const key = captureCacheKey(request);

    for (;;) {
      const lookupStarted = Date.now();
      let entry: CacheEntry | undefined;
      try {
        entry = await store.get(key);
      } catch (err) {
        this.storeFailed('lookup', err);
        return this.bypass(render);
      }
      if (entry && isFresh(entry, ttlMs)) {
        this.counts.hits++;
        return served(entry, 'HIT', ttlMs, Date.now() - lookupStarted);
      }

      const running = this.inFlight.get(key);
      if (running) {
        this.counts.coalesced++;
        try {
          return served(await deadline.run(running, 'an identical capture'), 'MISS', ttlMs);
        } catch (err) {
          // The render we waited for belonged to a client that hung up: not our
          // failure. Look again; this request may now be the one that renders.
          if (err instanceof ClientGoneError && !deadline.signal?.aborted) continue;
          throw err;
        }
      }

      this.counts.misses++;
      const flight: Promise<CacheEntry> = this.renderAndStore(store, key, ttlMs, render).finally(() => {
        // Removed before anyone awaiting `flight` resumes, so a retry never finds it again.
        if (this.inFlight.get(key) === flight) this.inFlight.delete(key);
      });
      this.inFlight.set(key, flight);
      return served(await flight, 'MISS', ttlMs);
    }
  }

  stats(): CacheStats {
    const usage = this.store?.usage() ?? { entries: null, bytes: null, evictions: 0 };
    return {
      enabled: this.enabled,
      backend: this.store?.kind ?? 'off',
      available: this.store?.isAvailable() ?? false,
      ...this.counts,
      ...usage,
      in_flight: this.inFlight.size,
    };
  }

  async onModuleDestroy(): Promise<void> {
    await this.store?.close();
  }

  private async bypass(render: () => Promise<CaptureResult>): Promise<ServedCapture> {
    this.counts.bypasses++;
    const result = await render();
    return { result, cache: 'BYPASS', bodySha256: bodyHashOf(result.body), maxAgeSeconds: 0, lookupMs: 0 };
  }

  /** Renders, then stores the result unless it is too large; a failed write only costs the next hit. */
  private async renderAndStore(
    store: CacheStore,
    key: string,
    ttlMs: number,
    render: () => Promise<CaptureResult>,
  ): Promise<CacheEntry> {
    const entry = entryOf(await render(), ttlMs);
    if (entry.body.length > this.config.CACHE_MAX_ENTRY_BYTES) {
      this.counts.too_large++;
      return entry;
    }
    try {
      if (await store.set(key, entry, ttlMs)) this.counts.stored++;
      else this.counts.too_large++;
    } catch (err) {
      this.storeFailed('write', err);
    }
    return entry;
  }

  private storeFailed(what: string, err: unknown): void {
    this.counts.store_errors++;
    this.warn(`${what} failed: ${(err as Error)?.message ?? String(err)}`);
  }

  private warn(problem: string): void {
    const now = Date.now();
    if (now - this.lastWarnAt < WARN_EVERY_MS) return;
    this.lastWarnAt = now;
    this.logger.warn(`Response cache: ${problem}; captures run without the cache until it is back`);
  }
}

/** Fresh for this request: not expired, and no older than the request's own cache_ttl. */
function isFresh(entry: CacheEntry, ttlMs: number, now = Date.now()): boolean {
  return now < entry.meta.expires_at && now - entry.meta.stored_at <= ttlMs;
}

function served(entry: CacheEntry, cache: CacheStatus, ttlMs: number, lookupMs = 0): ServedCapture {
  const now = Date.now();
  const remainingMs = Math.min(entry.meta.expires_at - now, entry.meta.stored_at + ttlMs - now);
  return {
    result: resultOf(entry),
    cache,
    bodySha256: entry.meta.body_sha256,
    maxAgeSeconds: Math.max(0, Math.ceil(remainingMs / 1000)), // a fresh capture says its whole TTL
    lookupMs,
  };
}
