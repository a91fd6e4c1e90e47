// node -r ts-node/register/transpile-only scripts/bench/interception-ab.ts [BASE_MAIN_JS]
//
// A/B of request interception: the built service (dist/, `npm run build` first)
// capturing the bench page (PNG, 1280x720, 4 clients) in interleaved rounds
//  - plain: no blocking field, so no interception (the path every capture takes);
//  - intercepted: block_resources ["manifest"], which blocks nothing on this page
//    but routes every request through the interception handler;
//  - base (when BASE_MAIN_JS, another build's dist/main.js, is given): the plain
//    capture on that build, e.g. main before capture control.
// Prints each row's median latency and throughput and the per-round ratios.
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/ports';
import { runLoad, startBenchPage, summarize } from './bench-lib';

const TOKEN = 'ab-token';
const ROUNDS = 6;
const PER_ROUND = 40;

async function startService(main: string, allow: string): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      AUTH_TOKEN: TOKEN,
      NETWORK_ALLOW: allow,
      RATE_LIMIT_CAPTURE: '100000 per second',
      CACHE_MAX_SIZE: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { port, child };
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${main} did not become ready`);
}

async function main(): Promise<void> {
  const page = await startBenchPage();
  const allow = `127.0.0.1:${page.port}`;
  const services: Record<string, { port: number; child: ChildProcess }> = {
    branch: await startService(join(__dirname, '..', '..', 'dist', 'main.js'), allow),
  };
  if (process.argv[2]) services.base = await startService(process.argv[2], allow);
  const post = async (port: number, extra: object) => {
    const res = await fetch(`http://127.0.0.1:${port}/capture`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({
        url: page.url,
        window_width: 1280,
        window_height: 720,
        wait_for_network: 'none',
        ...extra,
      }),
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`capture answered ${res.status}`);
  };
  const rows: Record<string, { port: number; extra: object }> = {
    plain: { port: services.branch.port, extra: {} },
    intercepted: { port: services.branch.port, extra: { block_resources: ['manifest'] } },
    ...(services.base ? { base: { port: services.base.port, extra: {} } } : {}),
  };
  try {
    for (const { port, extra } of Object.values(rows)) await runLoad(4, 12, () => post(port, extra)); // warm
    const results: Record<string, { median: number[]; perSecond: number[] }> = {};
    for (let round = 0; round < ROUNDS; round++) {
      // the order rotates every round, so no row always runs first (after the machine's quiet spell)
      const entries = Object.entries(rows);
      const rotated = [...entries.slice(round % entries.length), ...entries.slice(0, round % entries.length)];
      for (const [name, { port, extra }] of rotated) {
        const s = summarize(await runLoad(4, PER_ROUND, () => post(port, extra)));
        (results[name] ??= { median: [], perSecond: [] }).median.push(s.median_ms);
        results[name].perSecond.push(s.per_second);
      }
    }
    const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
    for (const [name, r] of Object.entries(results)) {
      console.log(
        `${name.padEnd(12)} median ms per round ${r.median.join(' / ')}; captures/s ${r.perSecond.join(' / ')}`,
      );
    }
    for (const other of ['intercepted', 'base'].filter((n) => results[n])) {
      const ratios = results.plain.median.map((m, i) => m / results[other].median[i]);
      const tput = results.plain.perSecond.map((p, i) => p / results[other].perSecond[i]);
      console.log(
        `plain / ${other}: latency ratio per round ${ratios.map((r) => r.toFixed(2)).join(' ')} (median ${med(ratios).toFixed(2)}), throughput ratio ${tput.map((r) => r.toFixed(2)).join(' ')} (median ${med(tput).toFixed(2)})`,
      );
    }
  } finally {
    for (const s of Object.values(services)) s.child.kill('SIGTERM');
    await page.close();
  }
}

void main();
