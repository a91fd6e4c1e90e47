import { Injectable } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { ContributesMetrics, MetricsContributor, mirroredCounter } from '../metrics/metrics-contributor';
import { CaptureCacheService, CacheStats } from './capture-cache.service';

/**
 * Prometheus metrics of the response cache, read from the cache service's
 * `stats()` at scrape time, so the service needs no prom-client and the
 * numbers have one source. CacheMetrics contributes them to the app's registry.
 */

type Numeric = { [K in keyof CacheStats]: CacheStats[K] extends number | null ? K : never }[keyof CacheStats];

/** name -> [help, stats field]: counters only grow while a service lives. */
const COUNTERS: [string, string, Numeric][] = [
  ['pixashot_cache_hits_total', 'Captures answered from the response cache.', 'hits'],
  ['pixashot_cache_misses_total', 'Cacheable captures rendered because no fresh entry was stored.', 'misses'],
  [
    'pixashot_cache_coalesced_total',
    'Captures that waited for an identical capture already rendering instead of rendering again.',
    'coalesced',
  ],
  [
    'pixashot_cache_bypasses_total',
    'Captures rendered without the cache (cache: false, cache off, or the store unreachable).',
    'bypasses',
  ],
  [
    'pixashot_cache_evictions_total',
    'Entries pushed out of the memory store by CACHE_MAX_SIZE or CACHE_MAX_BYTES.',
    'evictions',
  ],
  [
    'pixashot_cache_store_errors_total',
    'Lookups or writes the cache store failed (e.g. Redis down).',
    'store_errors',
  ],
];

const GAUGES: [string, string, Numeric][] = [
  ['pixashot_cache_bytes', 'Bytes held by the memory store (bodies and metadata); 0 with Redis.', 'bytes'],
  ['pixashot_cache_entries', 'Entries held by the memory store; 0 with Redis.', 'entries'],
];

/** Every metric name this file registers. */
export const CACHE_METRIC_NAMES = [...COUNTERS, ...GAUGES].map(([name]) => name);

/** Registers the cache metrics on `registry`, fed by `stats`; a second call for the same registry does nothing. */
export function registerCacheMetrics(registry: Registry, stats: () => CacheStats): void {
  if (registry.getSingleMetric(COUNTERS[0][0])) return;
  const read = (field: Numeric) => stats()[field] ?? 0;
  for (const [name, help, field] of COUNTERS) mirroredCounter(registry, name, help, () => read(field));
  for (const [name, help, field] of GAUGES) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(field));
      },
    });
  }
}

/** The response cache's share of /metrics. */
@Injectable()
@ContributesMetrics()
export class CacheMetrics implements MetricsContributor {
  constructor(private readonly cache: CaptureCacheService) {}

  registerMetrics(registry: Registry): void {
    registerCacheMetrics(registry, () => this.cache.stats());
  }
}
