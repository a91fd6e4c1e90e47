// The built service as the benchmarks run it (npm run bench, npm run bench:ab). Kept out of
// bench-lib.ts: the floor's child process compiles that file, and must not load the test helpers.
import { spawnService, ServiceProcess } from '../../test/helpers/service-process';

export const BENCH_TOKEN = 'bench-token-0123456789abcdef0123456789';

/** A capture of `url` as every bench capture is: PNG at the API's default window (1920x1080, as the floors use), no network wait, cache bypassed. */
export const captureBody = (url: string, extra: object = {}) => ({
  url,
  format: 'png',
  wait_for_network: 'none',
  cache: false,
  ...extra,
});

export interface BenchService {
  service: ServiceProcess;
  /** http://127.0.0.1:PORT */
  base: string;
  /** POSTs `body` to /capture and reads the whole answer; anything but 200 throws. */
  post: (body: object) => Promise<void>;
}

/**
 * The built service with its own defaults (the rate limiter on but out of reach), bearer auth,
 * request logging at info, NETWORK_ALLOW=127.0.0.0/8 for the bench's loopback sites, plus `env`;
 * `main`: another build's dist/main.js.
 */
export async function spawnBenchService(
  chrome: string,
  env: Record<string, string> = {},
  main?: string,
): Promise<BenchService> {
  const service = await spawnService(
    {
      AUTH_TOKEN: BENCH_TOKEN,
      CHROME_PATH: chrome,
      NETWORK_ALLOW: '127.0.0.0/8',
      RATE_LIMIT_CAPTURE: '100000 per second',
      LOG_LEVEL: 'info',
      ...env,
    },
    { testDefaults: false, ...(main ? { main } : {}) },
  );
  const base = `http://127.0.0.1:${service.port}`;
  const post = async (body: object) => {
    const res = await fetch(`${base}/capture`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${BENCH_TOKEN}` },
      body: JSON.stringify(body),
    });
    const bytes = await res.arrayBuffer();
    if (res.status !== 200)
      throw new Error(`capture answered ${res.status}: ${Buffer.from(bytes).toString()}`);
  };
  return { service, base, post };
}
