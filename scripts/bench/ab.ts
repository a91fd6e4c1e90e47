// npm run bench:ab
//
// Service against service: two variants of the built service (each its own
// environment, or another build's dist/main.js) run side by side, one at a
// time, in alternating rounds: a sequential run (1 client) and a 4-client run
// each, on the bench's simple page, a new site per capture, the cache
// bypassed, A first in odd rounds and B first in even ones. A lever is
// judged by the median of the per-round ratios B / A, where both variants
// share every slow minute of the machine (the floors are
// not needed to tell two variants apart, and the machine's noise between
// rounds is larger than most levers).
//
//   AB_A='{"VAR":"value"}'    environment of variant A (default: none)
//   AB_B='{"VAR":"value"}'    environment of variant B (default: none)
//   AB_MAIN_A, AB_MAIN_B      another build's dist/main.js (its tree needs a node_modules)
//   AB_ROUNDS (8), AB_SEQUENTIAL (12 captures), AB_CONCURRENT (32 captures at 4 clients)
import { resolveChromePath } from '../../src/browser-pool/chrome-path';
import { benchUrl, percentile, runLoad, startBenchSites, summarize } from './bench-lib';
import { BenchService, captureBody, spawnBenchService } from './bench-service';

const ROUNDS = Number(process.env.AB_ROUNDS ?? 8);
const SEQUENTIAL = Number(process.env.AB_SEQUENTIAL ?? 12);
const CONCURRENT = Number(process.env.AB_CONCURRENT ?? 32);
/** Host indices far from the main bench's, so a variant never loads a site it loaded before. */
let nextHost = 1_000_000;

const startVariant = (name: 'A' | 'B', chrome: string): Promise<BenchService> =>
  spawnBenchService(
    chrome,
    JSON.parse(process.env[`AB_${name}`] ?? '{}') as Record<string, string>,
    process.env[`AB_MAIN_${name}`],
  );

async function main() {
  const sites = await startBenchSites();
  const chrome = resolveChromePath(process.env.CHROME_PATH);
  const variants = [await startVariant('A', chrome), await startVariant('B', chrome)];
  const capture = (variant: BenchService) =>
    variant.post(captureBody(benchUrl(sites.port, 'simple', nextHost++)));
  try {
    for (const v of variants) await runLoad(4, 8, () => capture(v)); // browsers up and warm
    const ratios = { latency: [] as number[], throughput: [] as number[] };
    for (let round = 1; round <= ROUNDS; round++) {
      const latency: number[] = [];
      const throughput: number[] = [];
      // A first in odd rounds, B first in even ones: neither always runs right after the other
      for (const i of round % 2 ? [0, 1] : [1, 0]) {
        latency[i] = summarize(await runLoad(1, SEQUENTIAL, () => capture(variants[i]))).median_ms;
        throughput[i] = summarize(await runLoad(4, CONCURRENT, () => capture(variants[i]))).per_second;
      }
      ratios.latency.push(latency[1] / latency[0]);
      ratios.throughput.push(throughput[1] / throughput[0]);
      console.error(
        `round ${round}/${ROUNDS}: sequential median A ${latency[0]} ms, B ${latency[1]} ms;` +
          ` 4 clients A ${throughput[0]}/s, B ${throughput[1]}/s`,
      );
    }
    const show = (values: number[]) =>
      `${percentile(values, 50).toFixed(3)} (rounds: ${values.map((r) => r.toFixed(2)).join(' ')})`;
    console.log(`B / A, median of per-round ratios:`);
    console.log(`  sequential median latency: ${show(ratios.latency)}`);
    console.log(`  throughput at 4 clients:   ${show(ratios.throughput)}`);
  } finally {
    for (const v of variants) {
      v.service.child.kill('SIGTERM');
      await v.service.exited;
    }
    await sites.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
