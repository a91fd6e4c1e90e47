// npm run bench [-- --quick] [-- --json]
//
// Measures Pixashot against two floors in ONE run on this machine, on the same
// Chrome binary, so the ratios hold even where absolute timings are noisy:
//  - the strict floor: in-process Puppeteer, one warm tab per client (own
//    context each), goto + PNG screenshot of the SAME URL again and again:
//    Chrome reuses the page's renderer, nothing is prepared or cleared;
//  - the realistic floor: the same warm tabs, but every capture loads a site
//    no capture loaded before (host names 127.x.y.z), as a real workload does:
//    site isolation then starts a new renderer for each capture;
//  - the isolated floor (simple page, 1 and 4 clients only): in-process
//    Puppeteer again, a fresh context and page per capture, closed after it,
//    a new site each time: the least any service that keeps captures apart
//    must do per capture; not a target, it shows what isolation itself costs;
//  - the built service over HTTP (bearer auth, validation, rate limiter,
//    egress proxy, logging), a new site per capture, the response cache
//    bypassed (`cache: false`), with NETWORK_ALLOW=127.0.0.0/8.
// Two pages: the simple one (text, no subresources) and a heavy one (three
// cross-site iframes and four images, each on a host of its own), where the
// number of renderers a capture needs matters.
// Every (page, clients) cell runs strict floor, realistic floor, service back
// to back, in ROUNDS interleaved rounds; each ratio is the median of its
// per-round ratios, so a slow minute of a shared machine lands on both sides.
// Peak PSS (and the CPU split per process kind) is taken in runs of 4
// clients where the measured tree runs alone (PSS divides shared pages among
// every process that maps them, so a second Chrome would lower both).
//
// A/B runs: FLOOR_EXTRA_ARGS='["--flag"]' adds Chrome flags to the floors;
// BENCH_SERVICE_ENV='{"VAR":"value"}' adds environment to the service.
import { ChildProcess, fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';
import { resolveChromePath } from '../../src/browser-pool/chrome-path';
import { measureCacheHitLatency } from '../cache-hit-latency';
import {
  BenchPage,
  benchUrl,
  hostsPerCapture,
  LoadResult,
  percentile,
  ProcessKind,
  runLoad,
  sampleTree,
  startBenchSites,
  summarize,
  Summary,
  TreeSample,
} from './bench-lib';
import { BENCH_TOKEN, captureBody, spawnBenchService } from './bench-service';
import type { FloorJob, FloorReply } from './floor';

const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const JSON_OUT = args.has('--json');
const ROUNDS = QUICK ? 2 : 3;

/** The compared cells and their captures per round (full run). */
/** `isolated`: the isolated floor runs in this cell too (the targets' cells). */
const CELLS: { page: BenchPage; clients: number; perRound: number; isolated?: boolean }[] = [
  { page: 'simple', clients: 1, perRound: 12, isolated: true },
  { page: 'simple', clients: 4, perRound: 32, isolated: true },
  { page: 'simple', clients: 8, perRound: 32 },
  { page: 'heavy', clients: 1, perRound: 8 },
  { page: 'heavy', clients: 4, perRound: 16 },
];
const perRound = (full: number) => (QUICK ? Math.max(4, Math.round(full / 2.5)) : full);
/** Captures of each run where a tree is measured alone (4 clients). */
const ALONE = { simple: QUICK ? 16 : 40, heavy: QUICK ? 8 : 20 };

type Floor = 'strict' | 'realistic' | 'isolated';
type Tree = `${Floor} floor` | 'service';
/** The floors of a cell in the order they run; the service runs last, right after the realistic floor. */
const floorsOf = (cell: (typeof CELLS)[number]): Floor[] =>
  cell.isolated ? ['strict', 'isolated', 'realistic'] : ['strict', 'realistic'];
const treesOf = (cell: (typeof CELLS)[number]): Tree[] => [
  ...floorsOf(cell).map((floor) => `${floor} floor` as const),
  'service',
];

interface Row extends Summary {
  tree: Tree | string;
  page: BenchPage;
  clients: number;
  /** Median of per-round ratios to each floor (interleaved rows only; the isolated floor in its cells only). */
  x?: Partial<Record<Floor, { median: number; p90: number; throughput: number }>>;
  alone?: TreeSample & { captures: number };
  pssX?: Partial<Record<'strict' | 'realistic', number>>;
  ussX?: Partial<Record<'strict' | 'realistic', number>>;
}

/** Host indices: 0 is the strict floor's one site; every other capture takes fresh ones. */
let nextHost = 100;
function hostsFor(page: BenchPage, captures: number): number {
  const first = nextHost;
  nextHost += captures * hostsPerCapture(page);
  return first;
}

const ROOT = resolve(__dirname, '..', '..');

/**
 * floor.ts and the files it imports, compiled to plain JavaScript: under
 * ts-node the floor's node process would carry the TypeScript compiler
 * (~50 MiB of PSS) that the service, running its build, does not.
 */
function compileFloor(): string {
  const outDir = join(ROOT, 'node_modules', '.cache', 'pixashot-bench');
  const pending = [join(__dirname, 'floor.ts')];
  const done = new Set<string>();
  while (pending.length) {
    const file = pending.pop()!;
    if (done.has(file)) continue;
    done.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [, spec] of source.matchAll(/from '(\.{1,2}\/[^']+)'/g))
      pending.push(resolve(dirname(file), `${spec}.ts`));
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    });
    const out = join(outDir, relative(ROOT, file).replace(/\.ts$/, '.js'));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
  return join(outDir, relative(ROOT, join(__dirname, 'floor.js')));
}

/** The floor child: jobs go out one at a time. */
class FloorProcess {
  private readonly child: ChildProcess;
  private next = 0;
  constructor(chrome: string) {
    this.child = fork(compileFloor(), [], {
      execArgv: [],
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
const round2 = (n: number) => Math.round(n * 100) / 100;
const median = (values: number[]) => percentile(values, 50);
const log = (line: string) => {
  if (!JSON_OUT) console.error(line);
};

async function main() {
  const sites = await startBenchSites();
  const chrome = resolveChromePath(process.env.CHROME_PATH);
  const floor = new FloorProcess(chrome);
  const floorJob = (
    tree: Exclude<Tree, 'service'>,
    page: BenchPage,
    concurrency: number,
    total: number,
  ): FloorJob => ({
    kind: tree === 'isolated floor' ? 'fresh-context' : 'warm-tab',
    page,
    sites: tree === 'strict floor' ? 'same' : 'new',
    port: sites.port,
    // the warm-up capture of each tab takes a site too
    first: hostsFor(page, total + concurrency),
    concurrency,
    total,
  });
  /** Runs `fn` while sampling `pid`'s tree alone. */
  const alone = async (pid: number, captures: number, fn: () => Promise<unknown>) => {
    const sampler = sampleTree(pid);
    await fn();
    return { ...sampler.stop(), captures };
  };

  const started = Date.now();
  await floor.run(floorJob('realistic floor', 'heavy', 4, 8)); // Chrome and the pages' first paints warmed up
  // 1. each floor alone, for memory and CPU
  const aloneRuns = new Map<string, TreeSample & { captures: number }>();
  for (const tree of ['strict floor', 'realistic floor'] as const) {
    for (const page of ['simple', 'heavy'] as const) {
      const n = ALONE[page];
      aloneRuns.set(
        `${tree}/${page}`,
        await alone(floor.pid, n, () => floor.run(floorJob(tree, page, 4, n))),
      );
    }
  }
  log(`floors measured alone (${Math.round((Date.now() - started) / 1000)} s)`);

  // 2. the service, built, with its own defaults (the rate limiter on but out of reach)
  const serviceEnv = JSON.parse(process.env.BENCH_SERVICE_ENV ?? '{}') as Record<string, string>;
  const { service, base, post } = await spawnBenchService(chrome, serviceEnv);
  /** `total` service captures of `page`, each on sites of its own. */
  const serviceRun = (page: BenchPage, clients: number, total: number) => {
    const first = hostsFor(page, total);
    return runLoad(clients, total, (_, n) =>
      post(captureBody(benchUrl(sites.port, page, first + n * hostsPerCapture(page)))),
    );
  };

  const rows: Row[] = [];
  let cacheHit: Summary | undefined;
  try {
    await serviceRun('heavy', 4, 8); // the pool's browser up and warm

    // 3. the compared cells, interleaved
    const runs = new Map<string, LoadResult[]>();
    const key = (tree: string, page: BenchPage, clients: number) => `${tree}/${page}/${clients}`;
    for (let round = 0; round < ROUNDS; round++) {
      for (const cell of CELLS) {
        const n = perRound(cell.perRound);
        for (const tree of treesOf(cell)) {
          const result =
            tree === 'service'
              ? await serviceRun(cell.page, cell.clients, n)
              : await floor.run(floorJob(tree, cell.page, cell.clients, n));
          const k = key(tree, cell.page, cell.clients);
          runs.set(k, [...(runs.get(k) ?? []), result]);
        }
      }
      log(`round ${round + 1}/${ROUNDS} done (${Math.round((Date.now() - started) / 1000)} s)`);
    }
    for (const cell of CELLS) {
      for (const tree of treesOf(cell)) {
        const mine = runs.get(key(tree, cell.page, cell.clients))!;
        const x: Row['x'] = {};
        for (const other of floorsOf(cell)) {
          const theirs = runs.get(key(`${other} floor`, cell.page, cell.clients))!;
          const perRoundRatio = (pick: (s: Summary) => number) =>
            round2(median(mine.map((r, i) => pick(summarize(r)) / pick(summarize(theirs[i])))));
          x[other] = {
            median: perRoundRatio((s) => s.median_ms),
            p90: perRoundRatio((s) => s.p90_ms),
            throughput: perRoundRatio((s) => s.per_second),
          };
        }
        rows.push({ tree, page: cell.page, clients: cell.clients, ...summarize(pooled(mine)), x });
      }
    }
    await floor.close();

    // 4. the service alone, for memory and CPU, now that the floor's browser is gone
    for (const page of ['simple', 'heavy'] as const) {
      const n = ALONE[page];
      aloneRuns.set(`service/${page}`, await alone(service.child.pid!, n, () => serviceRun(page, 4, n)));
    }
    const hits = await measureCacheHitLatency(
      base,
      captureBody(benchUrl(sites.port, 'simple', 0), { cache: true }),
      {
        samples: QUICK ? 20 : 50,
        token: BENCH_TOKEN,
      },
    );
    cacheHit = {
      samples: hits.samples,
      median_ms: hits.p50_ms,
      p90_ms: hits.p95_ms,
      per_second: round2(1000 / hits.mean_ms),
    };
  } finally {
    service.child.kill('SIGTERM');
    await service.exited;
    await sites.close();
  }
  for (const row of rows) {
    if (row.clients !== 4) continue;
    row.alone = aloneRuns.get(`${row.tree}/${row.page}`);
    if (!row.alone) continue; // the isolated floor's memory is not measured
    row.pssX = {
      strict: round2(row.alone.peakPssMib / aloneRuns.get(`strict floor/${row.page}`)!.peakPssMib),
      realistic: round2(row.alone.peakPssMib / aloneRuns.get(`realistic floor/${row.page}`)!.peakPssMib),
    };
    row.ussX = {
      strict: round2(row.alone.peakUssMib / aloneRuns.get(`strict floor/${row.page}`)!.peakUssMib),
      realistic: round2(row.alone.peakUssMib / aloneRuns.get(`realistic floor/${row.page}`)!.peakUssMib),
    };
  }
  log(`done in ${Math.round((Date.now() - started) / 1000)} s`);
  report(rows, chrome, cacheHit!);
}

function report(rows: Row[], chrome: string, cacheHit: Summary) {
  const find = (tree: Tree, page: BenchPage, clients: number) =>
    rows.find((r) => r.tree === tree && r.page === page && r.clients === clients)!;
  const simple1 = find('service', 'simple', 1);
  const simple4 = find('service', 'simple', 4);
  const targets = [
    {
      target: 'sequential median latency (simple page)',
      realistic: simple1.x!.realistic!.median,
      strict: simple1.x!.strict!.median,
      limit: '<= 0.9',
      met: simple1.x!.realistic!.median <= 0.9,
    },
    {
      target: 'throughput at 4 clients (simple page)',
      realistic: simple4.x!.realistic!.throughput,
      strict: simple4.x!.strict!.throughput,
      limit: '>= 0.95',
      met: simple4.x!.realistic!.throughput >= 0.95,
    },
    {
      target: 'peak PSS at 4 clients (simple page)',
      realistic: simple4.pssX!.realistic!,
      strict: simple4.pssX!.strict!,
      limit: '<= 1.0',
      met: simple4.pssX!.realistic! <= 1.0,
    },
    {
      target: 'peak USS at 4 clients (simple page; not a target: private memory only)',
      realistic: simple4.ussX!.realistic!,
      strict: simple4.ussX!.strict!,
      limit: '(<= 1.0)',
      met: simple4.ussX!.realistic! <= 1.0,
    },
  ];
  // Not targets: how the service compares with the least an isolating service does (a bare loop).
  const isolation = [
    { measure: 'sequential median latency (simple page)', x: simple1.x!.isolated!.median },
    { measure: 'p90 latency at 4 clients (simple page)', x: simple4.x!.isolated!.p90 },
    { measure: 'throughput at 4 clients (simple page)', x: simple4.x!.isolated!.throughput },
  ];
  const cpu = rows
    .filter((r) => r.alone)
    .map((r) => {
      const per = (kind: ProcessKind) => Math.round(r.alone!.cpuMs[kind] / r.alone!.captures);
      const kinds = ['node', 'browser', 'renderer', 'other'] as const;
      return {
        tree: r.tree,
        page: r.page,
        ...Object.fromEntries(kinds.map((k) => [`${k}_ms`, per(k)])),
        total_ms: kinds.reduce((sum, k) => sum + per(k), 0),
        renderers_per_capture: round2(r.alone!.renderers / r.alone!.captures),
      };
    });
  if (JSON_OUT) {
    console.log(
      JSON.stringify(
        { quick: QUICK, rounds: ROUNDS, chrome, rows, cpu, cacheHit, targets, isolation },
        null,
        2,
      ),
    );
    return;
  }
  const both = (value: number | string, x?: { strict?: number; realistic?: number }) =>
    x ? `${value} (${x.strict}x / ${x.realistic}x)` : String(value);
  console.log(`\nbrowser: ${chrome}; ${ROUNDS} interleaved rounds${QUICK ? ' (--quick)' : ''}`);
  console.log('ratios: (x strict floor / x realistic floor), each the median of the per-round ratios\n');
  console.log('| what | page | clients | median ms | p90 ms | captures/s | peak PSS MiB | peak USS MiB |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const ratios = (pick: 'median' | 'p90' | 'throughput') => ({
      strict: r.x?.strict?.[pick],
      realistic: r.x?.realistic?.[pick],
    });
    const show = r.tree === 'service';
    console.log(
      `| ${r.tree} | ${r.page} | ${r.clients} | ${both(r.median_ms, show ? ratios('median') : undefined)} | ${both(
        r.p90_ms,
        show ? ratios('p90') : undefined,
      )} | ${both(r.per_second, show ? ratios('throughput') : undefined)} | ${
        r.alone ? both(r.alone.peakPssMib, show ? r.pssX : undefined) : ''
      } | ${r.alone ? both(r.alone.peakUssMib, show ? r.ussX : undefined) : ''} |`,
    );
  }
  console.log(
    `| service, cache hit | simple | 1 | ${cacheHit.median_ms} | ${cacheHit.p90_ms} (p95) | ${cacheHit.per_second} |  |  |`,
  );
  console.log(
    '\nEach tree alone at 4 clients: CPU per capture, ms, by process kind (renderers started per capture),' +
      ' and the peak PSS split, MiB (processes)\n',
  );
  console.log(
    '| what | page | CPU node | CPU Chrome browser | CPU renderers | CPU other Chrome | CPU total | renderers | PSS node | PSS browser | PSS renderers | PSS other |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const [i, c] of cpu.entries()) {
    const v = c as unknown as Record<string, number | string>;
    const peak = rows.filter((r) => r.alone)[i].alone!.peakByKind;
    const pss = (['node', 'browser', 'renderer', 'other'] as const).map(
      (k) => `${peak[k].mib} (${peak[k].processes})`,
    );
    console.log(
      `| ${c.tree} | ${c.page} | ${v.node_ms} | ${v.browser_ms} | ${v.renderer_ms} | ${v.other_ms} | ${c.total_ms} | ${c.renderers_per_capture} | ${pss.join(' | ')} |`,
    );
  }
  console.log('\n| target (service / floor) | x realistic floor | x strict floor | limit | met |');
  console.log('|---|---|---|---|---|');
  for (const t of targets)
    console.log(`| ${t.target} | ${t.realistic} | ${t.strict} | ${t.limit} | ${t.met ? 'PASS' : 'FAIL'} |`);
  console.log(
    '\nAgainst the isolated floor (bare Puppeteer, a fresh context and page per capture; not a target):\n',
  );
  console.log('| measure (service / isolated floor) | ratio |');
  console.log('|---|---|');
  for (const i of isolation) console.log(`| ${i.measure} | ${i.x} |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
