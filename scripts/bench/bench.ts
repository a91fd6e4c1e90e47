// npm run bench [-- --json] [-- --quick]
//
// Measures Pixashot against its floor in ONE run on this machine, so the
// ratios hold even where absolute timings are noisy:
//  - floor: in-process Puppeteer, one warm tab per worker (own context each),
//    goto + PNG screenshot, nothing prepared or cleared per capture; also with
//    optimizeForSpeed; on the binary the service runs (the targets are ratios
//    to this one) and, where it is another, on Debian's full chromium (the
//    reference of the issue that set the targets);
//  - baselines: a fresh context + page per capture, a fresh browser per capture;
//  - the built service over HTTP (bearer auth, validation, rate limiter and
//    egress proxy in the path, response cache bypassed), 1/4/8 clients, for
//    png, jpeg, pdf and html_content; wait_for_network idle against none;
//    a cache-hit row.
// The floor and the service's PNG rows, which the targets compare, are taken
// in interleaved rounds (floor x1, service x1, floor x4, service x4, three
// times), and each target is the median of its per-round ratios: a slow
// minute of a shared machine then lands on both sides of a ratio.
// Peak PSS is the summed proportional set size of the process tree (node and
// its Chrome processes) during a 4-client PNG run, each tree measured while
// the other is not running (PSS divides shared pages among all who map them).
import { ChildProcess, fork } from 'node:child_process';
import { basename, join } from 'node:path';
import { resolveChromePath } from '../../src/browser-pool/chrome-path';
import { spawnService } from '../../test/helpers/service-process';
import { measureCacheHitLatency } from '../cache-hit-latency';
import {
  BENCH_PAGE,
  LoadResult,
  percentile,
  runLoad,
  samplePeakPss,
  startBenchPage,
  summarize,
  Summary,
} from './bench-lib';
import type { FloorJob, FloorReply } from './floor';

const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const N = (full: number) => (QUICK ? Math.max(8, Math.round(full / 4)) : full);
const TOKEN = 'bench-token-0123456789abcdef0123456789';

interface Row extends Summary {
  name: string;
  clients: number;
  peak_pss_mib?: number;
}

/** The floor child: jobs go out one at a time. */
class FloorProcess {
  private readonly child: ChildProcess;
  private next = 0;
  constructor(chrome: string) {
    // execArgv carries ts-node's register hook, so the child runs floor.ts directly
    this.child = fork(join(__dirname, 'floor.ts'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, FLOOR_CHROME: chrome },
    });
  }
  get pid() {
    return this.child.pid!;
  }
  run(job: FloorJob): Promise<LoadResult> {
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      const onMessage = (reply: FloorReply) => {
        if (reply.id !== id) return;
        this.child.off('message', onMessage);
        if ('error' in reply) reject(new Error(reply.error));
        else resolve(reply.result);
      };
      this.child.on('message', onMessage);
      this.child.send({ id, job });
    });
  }
  /** Runs `job` and summarizes it. */
  async summary(job: FloorJob): Promise<Summary> {
    return summarize(await this.run(job));
  }
  close() {
    this.child.send({ close: true });
    return new Promise((resolve) => this.child.once('exit', resolve));
  }
}

/** Latencies of several runs as one. */
const pooled = (runs: LoadResult[]): LoadResult => ({
  latencies: runs.flatMap((r) => r.latencies),
  elapsedMs: runs.reduce((sum, r) => sum + r.elapsedMs, 0),
});
const ROUNDS = 3;

async function main() {
  const fixture = await startBenchPage();
  const rows: Row[] = [];
  const log = (row: Row) => {
    rows.push(row);
    if (!args.has('--json'))
      console.error(`  ${row.name} x${row.clients}: median ${row.median_ms} ms, ${row.per_second}/s`);
  };
  const serviceChrome = resolveChromePath(process.env.CHROME_PATH);
  const referenceChrome = '/usr/bin/chromium';
  const warm = (concurrency: number, total: number, optimizeForSpeed = false): FloorJob => ({
    kind: 'warm-tab',
    url: fixture.url,
    concurrency,
    total,
    optimizeForSpeed,
  });
  const fresh = (concurrency: number, total: number): FloorJob => ({
    kind: 'fresh-context',
    url: fixture.url,
    concurrency,
    total,
  });

  // 1. the reference binary (Debian's full chromium), when the service runs another
  if (serviceChrome !== referenceChrome) {
    const reference = new FloorProcess(referenceChrome);
    const label = (what: string) => `${what} [${basename(referenceChrome)}]`;
    await reference.run(warm(4, 8)); // Chrome and the page's first paint warmed up
    log({ name: label('floor: warm tab'), clients: 1, ...(await reference.summary(warm(1, N(40)))) });
    const sampler = samplePeakPss(reference.pid);
    const four = await reference.summary(warm(4, N(120)));
    log({ name: label('floor: warm tab'), clients: 4, ...four, peak_pss_mib: sampler.stop() });
    log({
      name: label('baseline: fresh context + page'),
      clients: 1,
      ...(await reference.summary(fresh(1, N(30)))),
    });
    log({
      name: label('baseline: fresh context + page'),
      clients: 4,
      ...(await reference.summary(fresh(4, N(60)))),
    });
    await reference.close();
  }

  // 2. the floor on the service's binary (kept running for the interleaved rounds) and the service,
  //    built, with its own defaults (the rate limiter on but out of reach)
  const floor = new FloorProcess(serviceChrome);
  await floor.run(warm(4, 8));
  // memory alone: PSS divides shared pages (the same Chrome binary) among every process that maps them
  let sampler = samplePeakPss(floor.pid);
  await floor.run(warm(4, N(120)));
  const floorPeak = sampler.stop();
  const service = await spawnService(
    {
      AUTH_TOKEN: TOKEN,
      CHROME_PATH: serviceChrome,
      NETWORK_ALLOW: `127.0.0.1:${fixture.port}`,
      RATE_LIMIT_CAPTURE: '100000 per second',
      LOG_LEVEL: 'info',
    },
    { testDefaults: false },
  );
  const base = `http://127.0.0.1:${service.port}`;
  const post = async (body: object) => {
    const res = await fetch(`${base}/capture`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(body),
    });
    const bytes = await res.arrayBuffer();
    if (res.status !== 200)
      throw new Error(`capture answered ${res.status}: ${Buffer.from(bytes).toString()}`);
  };
  const capture = (format: string, extra: object = {}) => ({
    url: fixture.url,
    format,
    window_width: 1280,
    window_height: 720,
    wait_for_network: 'none',
    cache: false,
    ...extra,
  });
  const ratios = { latency: [] as number[], throughput: [] as number[] };
  try {
    await runLoad(4, 8, () => post(capture('png'))); // the pool's browsers up and warm

    // 3. the compared rows, interleaved
    const runs = {
      floor1: [] as LoadResult[],
      floor4: [] as LoadResult[],
      png1: [] as LoadResult[],
      png4: [] as LoadResult[],
    };
    for (let round = 0; round < ROUNDS; round++) {
      const floor1 = await floor.run(warm(1, Math.ceil(N(40) / ROUNDS)));
      const png1 = await runLoad(1, Math.ceil(N(40) / ROUNDS), () => post(capture('png')));
      const floor4 = await floor.run(warm(4, Math.ceil(N(120) / ROUNDS)));
      const png4 = await runLoad(4, Math.ceil(N(120) / ROUNDS), () => post(capture('png')));
      runs.floor1.push(floor1);
      runs.png1.push(png1);
      runs.floor4.push(floor4);
      runs.png4.push(png4);
      ratios.latency.push(summarize(png1).median_ms / summarize(floor1).median_ms);
      ratios.throughput.push(summarize(png4).per_second / summarize(floor4).per_second);
    }
    log({ name: 'floor: warm tab', clients: 1, ...summarize(pooled(runs.floor1)) });
    log({ name: 'floor: warm tab', clients: 4, ...summarize(pooled(runs.floor4)), peak_pss_mib: floorPeak });

    // 4. the other floors and baselines on the service's binary
    const fast = 'floor: warm tab, optimizeForSpeed';
    log({ name: fast, clients: 1, ...(await floor.summary(warm(1, N(40), true))) });
    log({ name: fast, clients: 4, ...(await floor.summary(warm(4, N(120), true))) });
    log({ name: 'baseline: fresh context + page', clients: 1, ...(await floor.summary(fresh(1, N(30)))) });
    log({ name: 'baseline: fresh context + page', clients: 4, ...(await floor.summary(fresh(4, N(60)))) });
    const oneBrowserEach: FloorJob = { kind: 'fresh-browser', url: fixture.url, total: N(12) };
    log({ name: 'baseline: fresh browser', clients: 1, ...(await floor.summary(oneBrowserEach)) });
    await floor.close();

    // 5. the service: every format at 1, 4 and 8 clients (png x1 and x4 from the rounds above)
    log({ name: 'service: png', clients: 1, ...summarize(pooled(runs.png1)) });
    // memory alone, now that the floor's browser is gone
    sampler = samplePeakPss(service.child.pid!);
    await runLoad(4, N(120), () => post(capture('png')));
    const servicePeak = sampler.stop();
    log({ name: 'service: png', clients: 4, ...summarize(pooled(runs.png4)), peak_pss_mib: servicePeak });
    log({
      name: 'service: png',
      clients: 8,
      ...summarize(await runLoad(8, N(120), () => post(capture('png')))),
    });
    const cases: [string, object][] = [
      ['service: jpeg', capture('jpeg')],
      ['service: pdf', capture('pdf')],
      ['service: html_content -> png', { ...capture('png'), url: undefined, html_content: BENCH_PAGE }],
    ];
    for (const [name, body] of cases) {
      for (const [clients, total] of [
        [1, N(40)],
        [4, N(120)],
        [8, N(120)],
      ]) {
        log({ name, clients, ...summarize(await runLoad(clients, total, () => post(body))) });
      }
    }
    const idle = summarize(await runLoad(1, N(20), () => post(capture('png', { wait_for_network: 'idle' }))));
    log({ name: 'service: png, wait_for_network idle', clients: 1, ...idle });
    const hits = await measureCacheHitLatency(base, capture('png', { cache: true }), {
      samples: N(50),
      token: TOKEN,
    });
    log({
      name: 'service: png, cache hit',
      clients: 1,
      samples: hits.samples,
      median_ms: hits.p50_ms,
      p90_ms: hits.p95_ms,
      per_second: Math.round((1000 / hits.mean_ms) * 100) / 100,
    });
  } finally {
    service.child.kill('SIGTERM');
    await service.exited;
    await fixture.close();
  }

  report(rows, serviceChrome, {
    latency: percentile(ratios.latency, 50),
    throughput: percentile(ratios.throughput, 50),
  });
}

/** Per-round ratios of the interleaved rounds, their median each. */
interface RoundRatios {
  latency: number;
  throughput: number;
}

function report(rows: Row[], chrome: string, rounds: RoundRatios) {
  const find = (name: string, clients: number) => rows.find((r) => r.name === name && r.clients === clients)!;
  const floor1 = find('floor: warm tab', 1);
  const floor4 = find('floor: warm tab', 4);
  const png1 = find('service: png', 1);
  const idle = find('service: png, wait_for_network idle', 1);
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const round2 = (n: number) => Math.round(n * 100) / 100;
  const targets = [
    {
      target: `sequential median latency / floor (median of ${ROUNDS} rounds)`,
      value: round2(rounds.latency),
      limit: '<= 1.3 (goal 1.0)',
      met: rounds.latency <= 1.3,
    },
    {
      target: `throughput at 4 clients / floor (median of ${ROUNDS} rounds)`,
      value: round2(rounds.throughput),
      limit: '>= 0.6 (goal 0.9)',
      met: rounds.throughput >= 0.6,
    },
    {
      target: 'wait_for_network idle - none, ms',
      value: Math.round(idle.median_ms - png1.median_ms),
      limit: '<= 500',
      met: idle.median_ms - png1.median_ms <= 500,
    },
    {
      target: 'peak PSS at 4 clients / floor (each measured alone)',
      value: ratio(find('service: png', 4).peak_pss_mib!, floor4.peak_pss_mib!),
      limit: '<= 1.0',
      met: find('service: png', 4).peak_pss_mib! <= floor4.peak_pss_mib!,
    },
  ];
  if (args.has('--json')) {
    console.log(JSON.stringify({ quick: QUICK, chrome, rows, targets }, null, 2));
    return;
  }
  console.log(`\nbrowser: ${chrome} (floor rows without a [binary] label ran on it too)`);
  const table = rows.map((r) => ({
    what: r.name,
    clients: r.clients,
    'median ms': r.median_ms,
    'p90 ms': r.p90_ms,
    'captures/s': r.per_second,
    'peak PSS MiB': r.peak_pss_mib ?? '',
    'x floor latency': r.clients === 1 ? ratio(r.median_ms, floor1.median_ms) : '',
    'x floor throughput': r.clients === 4 ? ratio(r.per_second, floor4.per_second) : '',
  }));
  console.log('\n| ' + Object.keys(table[0]).join(' | ') + ' |');
  console.log(
    '|' +
      Object.keys(table[0])
        .map(() => '---')
        .join('|') +
      '|',
  );
  for (const row of table) console.log('| ' + Object.values(row).join(' | ') + ' |');
  console.log('\n| target | value | limit | met |\n|---|---|---|---|');
  for (const t of targets) console.log(`| ${t.target} | ${t.value} | ${t.limit} | ${t.met ? 'yes' : 'NO'} |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
