import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { freePort } from './ports';
import { waitFor } from './app';

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'main.js');
const LOCK = join(
  tmpdir(),
  `pixashot-build-${createHash('sha1').update(ROOT).digest('hex').slice(0, 12)}.lock`,
);
/** A lock older than this was left by a run that died mid-build. */
const STALE_LOCK_MS = 5 * 60_000;

const newestMtime = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    return Math.max(newest, mtime);
  }, 0);

const isFresh = () => existsSync(MAIN) && statSync(MAIN).mtimeMs >= newestMtime(join(ROOT, 'src'));

/**
 * Makes sure dist/ holds a build of the current sources (`npm test` builds
 * first; a spec run on its own may not have). Specs in parallel workers take
 * turns through a lock directory so only one of them builds.
 */
export async function ensureBuilt(): Promise<void> {
  if (isFresh()) return;
  const until = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS)
        rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > until) throw new Error(`waited too long for ${LOCK}; remove it if no build runs`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (!isFresh())
      execFileSync(join(ROOT, 'node_modules', '.bin', 'nest'), ['build'], { cwd: ROOT, stdio: 'pipe' });
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export interface ServiceProcess {
  child: ChildProcess;
  port: number;
  /** supertest on the child's HTTP port. */
  http: () => ReturnType<typeof request>;
  /** Every line the child wrote to stdout so far. */
  lines: string[];
  /** stdout lines that are JSON objects, parsed. */
  jsonLines: () => Record<string, unknown>[];
  /** Resolves with the exit code and signal when the child ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILLs the child if it still runs (for afterAll). */
  kill: () => void;
}

/**
 * Runs the built service (`node dist/main.js`) as a child process, the way a
 * container runs it, on a free loopback port; resolves once /health/ready is
 * 200 (or at once with `waitReady: false`). `testDefaults: false` leaves
 * the pool, concurrency and rate limit at the service's own defaults; `main`
 * runs another build (an A/B benchmark's base) instead of this tree's.
 */
export async function spawnService(
  env: Record<string, string>,
  {
    waitReady = true,
    testDefaults = true,
    main = MAIN,
    nodeArgs = ['--max-semi-space-size=2', '--max-old-space-size=1024', '--heap-growing-percent=20'],
  } = {},
): Promise<ServiceProcess> {
  await ensureBuilt();
  const port = await freePort();
  // the flags the image's CMD and `npm start` give node
  const child = spawn(process.execPath, [...nodeArgs, main], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      // small and unthrottled for specs; the benchmark runs the service's own defaults
      ...(testDefaults
        ? {
            RATE_LIMIT_ENABLED: 'false',
            BROWSER_POOL_MIN: '1',
            BROWSER_POOL_MAX: '1',
            MAX_CONCURRENT_CAPTURES: '2',
            MAX_PRINCIPAL_SHARE: '100', // one client address: no fair shares to keep
          }
        : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const http = () => request(`http://127.0.0.1:${port}`);
  const service: ServiceProcess = {
    child,
    port,
    http,
    lines,
    jsonLines: () =>
      lines.flatMap((line) => {
        try {
          const value: unknown = JSON.parse(line);
          return value && typeof value === 'object' ? [value as Record<string, unknown>] : [];
        } catch {
          return [];
        }
      }),
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
  if (waitReady) {
    const ready = await waitFor(async () => {
      if (child.exitCode !== null) return true;
      return (
        (
          await http()
            .get('/health/ready')
            .catch(() => ({ status: 0 }))
        ).status === 200
      );
    }, 60_000);
    if (!ready || child.exitCode !== null) {
      service.kill();
      throw new Error(`the service did not become ready:\n${stderr}\n${lines.slice(-20).join('\n')}`);
    }
  }
  return service;
}
