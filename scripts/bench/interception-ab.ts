// node -r ts-node/register/transpile-only scripts/bench/interception-ab.ts [BASE_MAIN_JS]
//
// A/B of request interception: the built service (dist/, rebuilt when stale)
// capturing the bench page (PNG, 1280x720, 4 clients) in interleaved rounds
//  - plain: no blocking field, so no interception (the path every capture takes);
//  - intercepted: block_resources ["manifest"], which blocks nothing on this page
//    but routes every request through the interception handler;
//  - base (when BASE_MAIN_JS, another build's dist/main.js, is given): the plain
//    capture on that build, e.g. main before capture control.
// Prints each row's median latency and throughput and the per-round ratios.
import { ServiceProcess, spawnService } from '../../test/helpers/service-process';
import { runLoad, startBenchPage, summarize } from './bench-lib';

const TOKEN = 'interception-ab-token-of-32-characters'; // the config refuses tokens under 32 characters
const ROUNDS = 6;
const PER_ROUND = 40;

/** The service of `mainJs` (this tree's dist/main.js, built if stale, by default) at its own defaults but for the bench's needs. */
const startService = (allow: string, mainJs?: string): Promise<ServiceProcess> =>
  spawnService(
    {
      AUTH_TOKEN: TOKEN,
      NETWORK_ALLOW: allow,
      RATE_LIMIT_CAPTURE: '100000 per second',
      CACHE_MAX_SIZE: '0',
      LOG_LEVEL: 'warn',
    },
    { testDefaults: false, main: mainJs },
  );

async function main(): Promise<void> {
  const page = await startBenchPage();
  const allow = `127.0.0.1:${page.port}`;
  const services: Record<string, ServiceProcess> = { branch: await startService(allow) };
  if (process.argv[2]) services.base = await startService(allow, process.argv[2]);
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
