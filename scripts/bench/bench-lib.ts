import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { descendantsOf } from '../../test/helpers/processes';

/** The page every run captures: an <h1> and ~2,400 characters of text, no subresources. */
export const BENCH_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>bench</title>
<style>body{font-family:sans-serif;margin:40px;color:#222}h1{color:#1a4d8f}</style></head>
<body><h1>Pixashot benchmark page</h1>${'<p>The quick brown fox jumps over the lazy dog while the benchmark measures how long a capture takes. Every paragraph is plain text, so the page costs layout and paint but no network. </p>'.repeat(12)}</body></html>`;

/** Serves BENCH_PAGE at /page on loopback. */
export async function startBenchPage(): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(BENCH_PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/page`,
    port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface LoadResult {
  /** Latency of each operation, ms, in completion order. */
  latencies: number[];
  /** Wall time of the whole run, ms. */
  elapsedMs: number;
}

/**
 * Runs `total` operations with `concurrency` workers pulling from one
 * counter; `op(worker)` gets the worker's index so it can use its own page.
 */
export async function runLoad(
  concurrency: number,
  total: number,
  op: (worker: number) => Promise<void>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let started = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (started < total) {
        started++;
        const t = performance.now();
        await op(worker);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { latencies, elapsedMs: performance.now() - t0 };
}

export interface Summary {
  samples: number;
  median_ms: number;
  p90_ms: number;
  per_second: number;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function summarize({ latencies, elapsedMs }: LoadResult): Summary {
  return {
    samples: latencies.length,
    median_ms: round(percentile(latencies, 50)),
    p90_ms: round(percentile(latencies, 90)),
    per_second: round((latencies.length * 1000) / elapsedMs, 2),
  };
}

/** Proportional set size (kB) of one process, 0 when it is gone. */
function pssKb(pid: number): number {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** Samples the summed PSS of a process tree every 100 ms until stopped; resolves the peak in MiB. */
export function samplePeakPss(rootPid: number): { stop: () => number } {
  let peakKb = 0;
  const sample = () => {
    peakKb = Math.max(
      peakKb,
      [rootPid, ...descendantsOf(rootPid)].reduce((sum, pid) => sum + pssKb(pid), 0),
    );
  };
  sample();
  const timer = setInterval(sample, 100);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return round(peakKb / 1024, 0);
    },
  };
}
