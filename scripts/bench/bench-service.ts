// The built service as the benchmarks run it (npm run bench, npm run bench:ab). Kept out of
// bench-lib.ts: the floor's child process compiles that file, and must not load the test helpers.
import * as http from 'node:http';
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
 * `main`: another build's dist/main.js; `nodeArgs`: node's flags instead of `npm start`'s.
 */
export async function spawnBenchService(
  chrome: string,
  env: Record<string, string> = {},
  main?: string,
  nodeArgs?: string[],
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
    { testDefaults: false, ...(main ? { main } : {}), ...(nodeArgs ? { nodeArgs } : {}) },
  );
  const base = `http://127.0.0.1:${service.port}`;
  // The load generator shares the service's two cores, so it is the lightest client Node has:
  // node:http on kept-alive connections. fetch (undici) took ~6 ms of CPU per capture, node:http ~2.5.
  const agent = new http.Agent({ keepAlive: true });
  const post = (body: object) =>
    new Promise<void>((resolve, reject) => {
      const json = JSON.stringify(body);
      const req = http.request(
        `${base}/capture`,
        {
          method: 'POST',
          agent,
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(json),
            Authorization: `Bearer ${BENCH_TOKEN}`,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            if (res.statusCode === 200) resolve();
            else reject(new Error(`capture answered ${res.statusCode}: ${Buffer.concat(chunks).toString()}`));
          });
        },
      );
      req.on('error', reject);
      req.end(json);
    });
  return { service, base, post };
}
