import { performance } from 'node:perf_hooks';
import { percentile } from './bench/bench-lib';

export interface CacheHitLatency {
  /** Hits measured (the priming request is not counted). */
  samples: number;
  min_ms: number;
  p50_ms: number;
  p95_ms: number;
  max_ms: number;
  mean_ms: number;
  /** Body size of one hit, bytes. */
  bytes: number;
}

export interface CacheHitLatencyOptions {
  /** Sequential hits to time; default 50. */
  samples?: number;
  /** Bearer token when the service has AUTH_TOKEN(S). */
  token?: string;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/**
 * Wall-clock latency of cache hits on a running Pixashot: POSTs `capture`
 * once to store it, then `samples` times in a row, each timed from request
 * to last body byte. Every timed response must be 200 with X-Cache: HIT,
 * otherwise it throws (cache off, `cache: false`, entry too large, Redis
 * down), so a benchmark row never silently measures renders.
 *
 *   const row = await measureCacheHitLatency('http://127.0.0.1:8080', { url: 'https://example.com' });
 */
export async function measureCacheHitLatency(
  baseUrl: string,
  capture: object,
  options: CacheHitLatencyOptions = {},
): Promise<CacheHitLatency> {
  const samples = options.samples ?? 50;
  const endpoint = new URL('/capture', baseUrl).href;
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  const post = async () => {
    const res = await fetch(endpoint, { method: 'POST', headers, body: JSON.stringify(capture) });
    const body = Buffer.from(await res.arrayBuffer());
    return { status: res.status, cache: res.headers.get('x-cache'), bytes: body.length };
  };

  const primed = await post();
  if (primed.status !== 200) throw new Error(`priming capture answered ${primed.status}`);
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    const res = await post();
    times.push(performance.now() - started);
    if (res.status !== 200 || res.cache !== 'HIT') {
      throw new Error(
        `request ${i + 1} was not a cache hit (status ${res.status}, X-Cache ${res.cache ?? 'absent'})`,
      );
    }
    bytes = res.bytes;
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    samples,
    min_ms: round(sorted[0]),
    p50_ms: round(percentile(sorted, 50)),
    p95_ms: round(percentile(sorted, 95)),
    max_ms: round(sorted[sorted.length - 1]),
    mean_ms: round(times.reduce((sum, t) => sum + t, 0) / times.length),
    bytes,
  };
}
