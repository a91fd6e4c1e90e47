// npm run bench:ab
//
// Service against service: two variants of the built service (each its own
// environment, or another build's dist/main.js) run side by side, one at a
// time, in alternating rounds: a sequential run (1 client) and a 4-client run
// each, on the bench's simple page, a new site per capture, the cache
// bypassed, A first in odd rounds and B first in even ones. Then, in the
// same round, both at once: 2 clients each, while each service's whole tree
// (node and its Chrome) is sampled, for its CPU per capture. A lever is
// judged by the median of the per-round ratios B / A, where both variants
// share every slow minute of the machine (the floors are not needed to tell
// two variants apart, and the machine's noise between rounds is larger than
// most levers). The side-by-side CPU ratio is the finest of the three: both
// trees run under the very same load at the very same time, and at 4 clients
// the service keeps both cores busy, so its throughput follows its CPU per
// capture.
//
//   AB_A='{"VAR":"value"}'    environment of variant A (default: none)
//   AB_B='{"VAR":"value"}'    environment of variant B (default: none)
//   AB_MAIN_A, AB_MAIN_B      another build's dist/main.js (its tree needs a node_modules)
//   AB_NODE_A, AB_NODE_B      node's flags for the variant, a JSON array (default: npm start's)
//   AB_ROUNDS (8), AB_SEQUENTIAL (12 captures), AB_CONCURRENT (32 captures at 4 clients),
//   AB_SIDE_BY_SIDE (80 captures per variant, both at once)
import { resolveChromePath } from '../../src/browser-pool/chrome-path';
import { benchUrl, percentile, runLoad, sampleTree, startBenchSites, summarize } from './bench-lib';
import { BenchService, captureBody, spawnBenchService } from './bench-service';

const ROUNDS = Number(process.env.AB_ROUNDS ?? 8);
const SEQUENTIAL = Number(process.env.AB_SEQUENTIAL ?? 12);
const CONCURRENT = Number(process.env.AB_CONCURRENT ?? 32);
const SIDE_BY_SIDE = Number(process.env.AB_SIDE_BY_SIDE ?? 80);
/** Host indices far from the main bench's, so a variant never loads a site it loaded before. */
let nextHost = 1_000_000;

const startVariant = (name: 'A' | 'B', chrome: string): Promise<BenchService> => {
  const nodeArgs = process.env[`AB_NODE_${name}`];
  return spawnBenchService(
    chrome,
    JSON.parse(process.env[`AB_${name}`] ?? '{}') as Record<string, string>,
    process.env[`AB_MAIN_${name}`],
    nodeArgs ? (JSON.parse(nodeArgs) as string[]) : undefined,
  );
};

async function main() {
  const sites = await startBenchSites();
  const chrome = resolveChromePath(process.env.CHROME_PATH);
  const variants = [await startVariant('A', chrome), await startVariant('B', chrome)];
  const capture = (variant: BenchService) =>
    variant.post(captureBody(benchUrl(sites.port, 'simple', nextHost++)));
  try {
    for (const v of variants) await runLoad(4, 8, () => capture(v)); // browsers up and warm
    const ratios = { latency: [] as number[], throughput: [] as number[], cpu: [] as number[] };
    const cpuPerCapture: number[][] = [[], []];
    for (let round = 1; round <= ROUNDS; round++) {
      const latency: number[] = [];
      const throughput: number[] = [];
      // A first in odd rounds, B first in even ones: neither always runs right after the other
      for (const i of round % 2 ? [0, 1] : [1, 0]) {
        latency[i] = summarize(await runLoad(1, SEQUENTIAL, () => capture(variants[i]))).median_ms;
        throughput[i] = summarize(await runLoad(4, CONCURRENT, () => capture(variants[i]))).per_second;
      }
      // both at once, each tree sampled: what a capture costs each under the same load
      const trees = variants.map((v) => sampleTree(v.service.child.pid!));
      await Promise.all(variants.map((v) => runLoad(2, SIDE_BY_SIDE, () => capture(v))));
      const cpu = trees.map((tree) => {
        const { cpuMs: byKind } = tree.stop();
        return Object.values(byKind).reduce((sum, ms) => sum + ms, 0) / SIDE_BY_SIDE;
      });
      cpu.forEach((ms, i) => cpuPerCapture[i].push(ms));
      ratios.latency.push(latency[1] / latency[0]);
      ratios.throughput.push(throughput[1] / throughput[0]);
      ratios.cpu.push(cpu[1] / cpu[0]);
      console.error(
        `round ${round}/${ROUNDS}: sequential median A ${latency[0]} ms, B ${latency[1]} ms;` +
          ` 4 clients A ${throughput[0]}/s, B ${throughput[1]}/s;` +
          ` side by side, CPU per capture A ${cpu[0].toFixed(1)} ms, B ${cpu[1].toFixed(1)} ms`,
      );
    }
    const show = (values: number[]) =>
      `${percentile(values, 50).toFixed(3)} (rounds: ${values.map((r) => r.toFixed(2)).join(' ')})`;
    console.log(`B / A, median of per-round ratios:`);
    console.log(`  sequential median latency: ${show(ratios.latency)}`);
    console.log(`  throughput at 4 clients:   ${show(ratios.throughput)}`);
    console.log(`  CPU per capture, side by side: ${show(ratios.cpu)}`);
    console.log(
      `  (CPU per capture, median: A ${percentile(cpuPerCapture[0], 50).toFixed(1)} ms, B ${percentile(cpuPerCapture[1], 50).toFixed(1)} ms)`,
    );
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
