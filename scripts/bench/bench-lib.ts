import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { descendantsOf } from '../../test/helpers/processes';

/** The simple page: an <h1> and ~2,400 characters of text, no subresources. */
export const BENCH_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>bench</title>
<style>body{font-family:sans-serif;margin:40px;color:#222}h1{color:#1a4d8f}</style></head>
<body><h1>Pixashot benchmark page</h1>${'<p>The quick brown fox jumps over the lazy dog while the benchmark measures how long a capture takes. Every paragraph is plain text, so the page costs layout and paint but no network. </p>'.repeat(12)}</body></html>`;

export type BenchPage = 'simple' | 'heavy';

/** Cross-site iframes and images on the heavy page, each on a host of its own. */
const HEAVY_FRAMES = 3;
const HEAVY_IMAGES = 4;

/** Host names one capture of `page` uses: the page's own, then its iframes' and images'. */
export const hostsPerCapture = (page: BenchPage) => (page === 'simple' ? 1 : 1 + HEAVY_FRAMES + HEAVY_IMAGES);

/**
 * The n-th loopback host name (127.1.0.1, 127.1.0.2, ...): every one is a
 * site of its own to Chrome (an IP address is its own site), and Linux
 * routes all of 127.0.0.0/8 to the loopback interface.
 */
export function benchHost(n: number): string {
  const perThird = 254 * 256;
  return `127.${1 + Math.floor(n / perThird)}.${Math.floor(n / 254) % 256}.${(n % 254) + 1}`;
}

/** URL of `page` whose first host is benchHost(first). */
export const benchUrl = (port: number, page: BenchPage, first: number) =>
  `http://${benchHost(first)}:${port}/${page}?first=${first}`;

/**
 * The heavy page: the simple page's text, three cross-site iframes (each a
 * short page with a styled box) and four images, each on a host of its own,
 * so a capture needs a renderer per iframe under site isolation.
 */
function heavyPage(port: number, first: number): string {
  const frames = Array.from(
    { length: HEAVY_FRAMES },
    (_, i) =>
      `<iframe src="http://${benchHost(first + 1 + i)}:${port}/frame" width="360" height="140" style="border:1px solid #999"></iframe>`,
  ).join('');
  const images = Array.from(
    { length: HEAVY_IMAGES },
    (_, i) =>
      `<img src="http://${benchHost(first + 1 + HEAVY_FRAMES + i)}:${port}/image.svg?c=${i}" width="200" height="120">`,
  ).join('');
  return BENCH_PAGE.replace('</h1>', `</h1><div>${frames}</div><div>${images}</div>`);
}

const FRAME_PAGE = `<!doctype html><html><head><meta charset="utf-8"><style>body{margin:8px;font-family:sans-serif}
div{background:linear-gradient(90deg,#1a4d8f,#7fb0e0);color:#fff;padding:20px;border-radius:8px}</style></head>
<body><div>An embedded page from another site, with a script.</div><script>document.body.dataset.n = String(Math.random());</script></body></html>`;

const IMAGE_COLOURS = ['#d33', '#3a3', '#33d', '#d93'];
const svgImage = (i: number) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="120"><rect width="200" height="120" fill="${IMAGE_COLOURS[i % 4]}"/><circle cx="100" cy="60" r="40" fill="#fff"/></svg>`;

/** Serves BENCH_PAGE at /page on 127.0.0.1 only (for scripts that need one fixed URL). */
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

export interface BenchSites {
  port: number;
  close: () => Promise<void>;
}

/**
 * One fixture server for every bench host. It listens on 0.0.0.0 (the only
 * way one socket answers all of 127.0.0.0/8) and answers connections made
 * to a loopback address only; anything else is dropped.
 */
export async function startBenchSites(): Promise<BenchSites> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://bench');
    const first = Number(url.searchParams.get('first') ?? 0);
    const send = (type: string, body: string) => {
      res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/simple') send('text/html; charset=utf-8', BENCH_PAGE);
    else if (url.pathname === '/heavy') send('text/html; charset=utf-8', heavyPage(port, first));
    else if (url.pathname === '/frame') send('text/html; charset=utf-8', FRAME_PAGE);
    else if (url.pathname === '/image.svg')
      send('image/svg+xml', svgImage(Number(url.searchParams.get('c'))));
    else {
      res.writeHead(404);
      res.end();
    }
  });
  server.on('connection', (socket) => {
    if (!socket.localAddress?.replace(/^::ffff:/, '').startsWith('127.')) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  const { port } = server.address() as AddressInfo;
  return {
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
 * counter; `op(worker, n)` gets the worker's index (so it can use its own
 * page) and the operation's number, 0..total-1 (so it can pick its own site).
 */
export async function runLoad(
  concurrency: number,
  total: number,
  op: (worker: number, n: number) => Promise<void>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let started = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (started < total) {
        const n = started++;
        const t = performance.now();
        await op(worker, n);
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

/**
 * Memory of one process, kB, 0 when it is gone: PSS (its private pages plus
 * its share of pages it shares with any process on the machine, so other
 * Chromes running the same binary lower it) and USS (private pages only).
 */
function memoryKb(pid: number): { pss: number; uss: number } {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0);
    return { pss: field('Pss'), uss: field('Private_Clean') + field('Private_Dirty') };
  } catch {
    return { pss: 0, uss: 0 };
  }
}

/** CPU time (user + system, ms) of one process, and of its reaped children; undefined when it is gone. */
function cpuMs(pid: number): { own: number; children: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after "pid (comm) ": state is [0], utime [11], stime [12], cutime [13], cstime [14]
    const f = stat
      .slice(stat.lastIndexOf(') ') + 2)
      .split(' ')
      .map(Number);
    const tick = 1000 / CLOCK_TICKS;
    return { own: (f[11] + f[12]) * tick, children: (f[13] + f[14]) * tick };
  } catch {
    return undefined;
  }
}
/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

/** What a process of the tree is, from its command line: node, Chrome's browser process, renderer, other Chrome. */
export type ProcessKind = 'node' | 'browser' | 'renderer' | 'other';
function kindOf(pid: number): ProcessKind {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    // A process that is exiting (Chrome's renderers, one per capture) has no command line left, or one
    // of NUL bytes: its name still says which binary it is.
    if (!cmdline.replace(/\0/g, ''))
      return /chrom/i.test(readFileSync(`/proc/${pid}/comm`, 'latin1')) ? 'renderer' : 'node';
    if (!/chrom/i.test(cmdline)) return 'node';
    if (cmdline.includes('--type=renderer')) return 'renderer';
    return cmdline.includes('--type=') ? 'other' : 'browser';
  } catch {
    return 'other';
  }
}

export interface TreeSample {
  /** Peak summed PSS of the tree, MiB. */
  peakPssMib: number;
  /** Peak summed USS of the tree, MiB: steadier than PSS on a machine where other Chromes run. */
  peakUssMib: number;
  /** The peak's PSS per process kind, MiB, and the number of processes of each kind then. */
  peakByKind: Record<ProcessKind, { mib: number; processes: number }>;
  /** CPU time per process kind over the sampled span, ms (renderers that ended count as last seen). */
  cpuMs: Record<ProcessKind, number>;
  /** Renderer processes seen during the span. */
  renderers: number;
}

/**
 * Samples a process tree every 50 ms until stopped: the peak of its summed
 * PSS (Proportional Set Size: shared pages divided among the processes that
 * map them) and the CPU time each kind of process used in between. A
 * process that ended between two samples loses at most its last 50 ms;
 * children reaped by a process of the tree (Chrome's zygote reaps the
 * renderers) are counted through its cutime instead, whichever is larger.
 */
export function sampleTree(rootPid: number): { stop: () => TreeSample } {
  let peakKb = 0;
  let peakUssKb = 0;
  let initial = true;
  const first = new Map<number, { kind: ProcessKind; own: number; children: number }>();
  const last = new Map<number, { own: number; children: number }>();
  let alive = new Set<number>();
  const emptyByKind = (): TreeSample['peakByKind'] => ({
    node: { mib: 0, processes: 0 },
    browser: { mib: 0, processes: 0 },
    renderer: { mib: 0, processes: 0 },
    other: { mib: 0, processes: 0 },
  });
  let peakByKind = emptyByKind();
  const sample = () => {
    let sumKb = 0;
    let ussKb = 0;
    const byKind = emptyByKind();
    alive = new Set();
    for (const pid of [rootPid, ...descendantsOf(rootPid)]) {
      const cpu = cpuMs(pid);
      if (!cpu) continue;
      const { pss: kb, uss } = memoryKb(pid);
      sumKb += kb;
      ussKb += uss;
      alive.add(pid);
      // a process first seen mid-span started mid-span: all its CPU counts
      if (!first.has(pid))
        first.set(pid, { kind: kindOf(pid), ...(initial ? cpu : { own: 0, children: 0 }) });
      // A Chrome seen between its fork and its exec still has node's command line: look again.
      else if (first.get(pid)!.kind === 'node') first.get(pid)!.kind = kindOf(pid);
      last.set(pid, cpu);
      const kind = byKind[first.get(pid)!.kind];
      kind.mib += kb / 1024;
      kind.processes++;
    }
    initial = false;
    peakUssKb = Math.max(peakUssKb, ussKb);
    if (sumKb > peakKb) {
      peakKb = sumKb;
      for (const k of Object.values(byKind)) k.mib = Math.round(k.mib);
      peakByKind = byKind;
    }
  };
  sample();
  const timer = setInterval(sample, 50);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      const cpu: Record<ProcessKind, number> = { node: 0, browser: 0, renderer: 0, other: 0 };
      let reaped = 0;
      let liveRenderers = 0;
      let renderers = 0;
      for (const [pid, start] of first) {
        const end = last.get(pid)!;
        cpu[start.kind] += end.own - start.own;
        if (start.kind !== 'renderer') reaped += end.children - start.children;
        else {
          renderers++;
          if (alive.has(pid)) liveRenderers += end.own - start.own;
        }
      }
      // Renderers that ended were reaped inside the tree (by Chrome's zygote): their whole CPU is in its
      // cutime, where the sampled figure misses each one's last moments.
      if (reaped > 0) cpu.renderer = liveRenderers + reaped;
      return {
        peakPssMib: round(peakKb / 1024, 0),
        peakUssMib: round(peakUssKb / 1024, 0),
        peakByKind,
        cpuMs: cpu,
        renderers,
      };
    },
  };
}
