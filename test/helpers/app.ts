import { INestApplication } from '@nestjs/common';
import { readdirSync, readFileSync } from 'node:fs';
import request from 'supertest';
import { createApp } from '../../src/app.factory';
import { BrowserPoolService } from '../../src/browser-pool/browser-pool.service';
import { jsonOrBinaryParser } from './images';
import { waitFor } from './wait';

export interface TestApp {
  app: INestApplication;
  pool: BrowserPoolService;
  /** supertest agent on the app's HTTP server. */
  http: () => ReturnType<typeof request>;
  /** POST /capture with a JSON body; the response body is a Buffer unless JSON. */
  capture: (body: object) => request.Test;
  close: () => Promise<void>;
}

/**
 * Env every e2e app starts from: no service logs (the run prints test results;
 * `LOG_LEVEL=warn npm test` shows them), one small pool, no auth, no rate
 * limit, no response cache (specs count renders; the cache spec turns it on),
 * and no fair shares (every spec's requests come from one address, one
 * principal; the fair-admission spec turns them on).
 */
export const TEST_ENV = {
  NODE_ENV: 'test',
  LOG_LEVEL: process.env.LOG_LEVEL || 'silent',
  BROWSER_POOL_MIN: '1',
  BROWSER_POOL_MAX: '1',
  BROWSER_MAX_CONCURRENT_PAGES: '4',
  MAX_CONCURRENT_CAPTURES: '4',
  RATE_LIMIT_ENABLED: 'false',
  CACHE_MAX_SIZE: '0',
  MAX_PRINCIPAL_SHARE: '100',
};

/** Starts the real app (real Chromium) with `env` over TEST_ENV, listening on an ephemeral loopback port. */
export async function startApp(env: Record<string, string | undefined> = {}): Promise<TestApp> {
  const { app } = await createApp({ ...TEST_ENV, ...env });
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer();
  const pool = app.get(BrowserPoolService);
  if (!env.CHROME_PATH) await waitFor(() => pool.isReady(), 30000); // the first browser is up
  return {
    app,
    pool,
    http: () => request(server),
    capture: (body) => request(server).post('/capture').send(body).buffer(true).parse(jsonOrBinaryParser),
    close: () => app.close(),
  };
}

/** PIDs of live processes started by the pool `instanceId` (Chrome and all its children inherit the marker). */
export function chromeProcessesOf(instanceId: string): number[] {
  const marker = `PIXASHOT_POOL_ID=${instanceId}`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.split(') ')[1]?.startsWith('Z')) continue; // a zombie is already dead; reaping is its parent's job
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(marker))
        pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

export { waitFor };
