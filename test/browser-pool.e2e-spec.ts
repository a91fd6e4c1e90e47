import { readFileSync } from 'node:fs';
import { chromeProcessesOf, startApp, TestApp, waitFor } from './helpers/app';
import { pngSize } from './helpers/images';
import { descendantsOf } from './helpers/processes';

const PAGE = {
  html_content: '<h1>pool</h1>',
  window_width: 320,
  window_height: 240,
  wait_for_network: 'none',
};

/** Chrome's `--type` of every process the pool's browsers started (renderer, zygote, utility...). */
const childTypes = (app: TestApp): (string | undefined)[] =>
  app.pool
    .browserPids()
    .flatMap((pid) => descendantsOf(pid))
    .map((pid) => {
      try {
        return /--type=(\S+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' '))?.[1];
      } catch {
        return undefined; // ended while we looked
      }
    });

describe('BrowserPool: recovery and clean shutdown (real Chromium)', () => {
  let svc: TestApp;

  beforeAll(async () => {
    svc = await startApp({ BROWSER_MAX_USES: '3' });
  });

  afterAll(async () => {
    await svc?.close();
  });

  it('replaces a browser killed with SIGKILL and the next capture succeeds', async () => {
    expect((await svc.capture(PAGE)).status).toBe(200);
    const [pid] = svc.pool.browserPids();
    expect(pid).toEqual(expect.any(Number));
    process.kill(pid, 'SIGKILL');
    expect(await waitFor(() => svc.pool.browserPids().some((p) => p !== pid))).toBe(true);
    const res = await svc.capture(PAGE);
    expect(res.status).toBe(200);
    expect(pngSize(res.body)).toEqual({ width: 320, height: 240 });
    expect(svc.pool.browserPids()).not.toContain(pid);
    expect(svc.pool.stats().restarts).toBeGreaterThanOrEqual(1);
  });

  it('recycles a browser after BROWSER_MAX_USES captures', async () => {
    const before = svc.pool.browserPids();
    for (let i = 0; i < 3; i++) expect((await svc.capture(PAGE)).status).toBe(200);
    expect(await waitFor(() => svc.pool.browserPids().every((p) => !before.includes(p)))).toBe(true);
    expect((await svc.capture(PAGE)).status).toBe(200);
  });

  it('runs several captures at once on one browser, each answered', async () => {
    const results = await Promise.all([1, 2, 3, 4].map(() => svc.capture(PAGE)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
  });

  it("keeps no renderer beyond the prepared page on an idle browser (Chrome's own first tab is closed)", async () => {
    const app = await startApp({});
    try {
      expect(await waitFor(() => app.pool.stats().preparedPages === 1)).toBe(true);
      const renderers = () => childTypes(app).filter((type) => type === 'renderer');
      expect(await waitFor(() => renderers().length === 1)).toBe(true);
      expect((await app.capture(PAGE)).status).toBe(200);
      expect(await waitFor(() => app.pool.stats().activePages === 0 && renderers().length === 1)).toBe(true);
    } finally {
      await app.close();
    }
  });

  it("runs Chrome's network service inside the browser process when Chrome's sandbox is off", async () => {
    const app = await startApp({});
    try {
      expect((await app.capture(PAGE)).status).toBe(200);
      // zygotes and renderers, no utility process for the network service
      expect(childTypes(app)).not.toContain('utility');
      expect(childTypes(app)).toContain('renderer');
    } finally {
      await app.close();
    }
  });

  it('serves a steady load of as many clients as a browser has pages on that one browser', async () => {
    // Each client sends its next capture as soon as the last is answered, while that capture's context
    // still closes behind the answer: the request waits for that slot instead of launching a second browser.
    const app = await startApp({ BROWSER_POOL_MAX: '2' });
    try {
      const launched = new Set(app.pool.browserPids());
      const client = async () => {
        for (let i = 0; i < 6; i++) {
          expect((await app.capture(PAGE)).status).toBe(200);
          app.pool.browserPids().forEach((pid) => launched.add(pid));
        }
      };
      await Promise.all([client(), client(), client(), client()]);
      expect(launched.size).toBe(1);
      expect(app.pool.stats().restarts).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('recycles under a steady load without keeping a second browser', async () => {
    // While a worn-out browser finishes its last captures, the captures waiting for its successor share
    // that one launch; one launch each left two browsers running for good.
    const app = await startApp({ BROWSER_POOL_MAX: '2', BROWSER_MAX_USES: '6' });
    try {
      const client = async () => {
        for (let i = 0; i < 5; i++) expect((await app.capture(PAGE)).status).toBe(200);
      };
      await Promise.all([client(), client(), client(), client()]);
      expect(app.pool.stats().restarts).toBeGreaterThanOrEqual(2); // 20 captures, 6 uses per browser
      expect(await waitFor(() => app.pool.stats().activePages === 0)).toBe(true);
      expect(await waitFor(() => app.pool.browserPids().length === 1, 5000)).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('keeps the prepared page within BROWSER_MAX_CONCURRENT_PAGES: no page beside a full browser, one as soon as a slot frees', async () => {
    const app = await startApp({ BROWSER_MAX_CONCURRENT_PAGES: '2', MAX_CONCURRENT_CAPTURES: '2' });
    let mostPages = 0;
    let sawSpare = false;
    const sampler = setInterval(() => {
      const { activePages, preparedPages } = app.pool.stats();
      mostPages = Math.max(mostPages, activePages + preparedPages); // active counts closing contexts
      if (preparedPages > 0) sawSpare = true;
    }, 5);
    try {
      for (let round = 0; round < 3; round++) {
        // two clients back to back: every capture renders while the other page is taken
        const results = await Promise.all([app.capture(PAGE), app.capture(PAGE)]);
        expect(results.map((r) => r.status)).toEqual([200, 200]);
      }
      expect(await waitFor(() => app.pool.stats().preparedPages === 1)).toBe(true);
      expect({ mostPages, sawSpare }).toEqual({ mostPages: 2, sawSpare: true });
    } finally {
      clearInterval(sampler);
      await app.close();
    }
  });

  it("has the next capture's context open ahead of demand, except on a browser with no capture left", async () => {
    const app = await startApp({ BROWSER_MAX_USES: '2' });
    try {
      const prepared = () => app.pool.stats().preparedPages;
      expect(await waitFor(() => prepared() === 1)).toBe(true); // opened at launch
      const [first] = app.pool.browserPids();
      const slow = { ...PAGE, delay_capture: 1000 };

      // use 1 of 2 takes it; the next one opens while it renders
      const one = app.capture(slow).then((res) => res); // supertest sends on then()
      expect(await waitFor(() => app.pool.stats().activePages === 1)).toBe(true);
      expect(prepared()).toBe(0); // taken, and this capture is still in its delay
      expect((await one).status).toBe(200);
      expect(prepared()).toBe(1);
      expect(await waitFor(() => app.pool.stats().activePages === 0)).toBe(true); // its context closed

      // use 2 of 2: nothing is opened for a capture that will never come to this browser (and its
      // successor needs far longer to launch than the answer takes to arrive)
      const two = app.capture(slow).then((res) => res);
      expect(await waitFor(() => app.pool.stats().activePages === 1)).toBe(true);
      expect((await two).status).toBe(200);
      expect(prepared()).toBe(0);

      // its successor opens one at launch, and readiness shows it
      expect(await waitFor(() => prepared() === 1 && !app.pool.browserPids().includes(first))).toBe(true);
      const ready = await app.http().get('/health/ready');
      expect(ready.body.details.browser_pool.preparedPages).toBe(1);
    } finally {
      await app.close();
    }
  });

  describe("a finished capture's context waits to close for the next capture's rendering", () => {
    // a wait long enough that only the events under test end it
    const LONG_WAIT = { BROWSER_CLOSE_WAIT_MS: '10000' };

    it('until the next capture on its browser starts rendering', async () => {
      const app = await startApp(LONG_WAIT);
      try {
        expect((await app.capture(PAGE)).status).toBe(200);
        expect(app.pool.stats()).toMatchObject({ activePages: 1, closesWaiting: 1 });
        await new Promise((r) => setTimeout(r, 500));
        expect(app.pool.stats()).toMatchObject({ activePages: 1, closesWaiting: 1 }); // nothing ended the wait
        expect((await app.capture(PAGE)).status).toBe(200);
        // the second capture's rendering closed the first context; the second's own waits now
        expect(await waitFor(() => app.pool.stats().activePages === 1, 5000)).toBe(true);
        expect(app.pool.stats().closesWaiting).toBe(1);
      } finally {
        await app.close();
      }
    });

    it('closes at once when a capture needs its page slot', async () => {
      const app = await startApp({
        ...LONG_WAIT,
        BROWSER_MAX_CONCURRENT_PAGES: '2',
        MAX_CONCURRENT_CAPTURES: '2',
      });
      try {
        expect((await app.capture(PAGE)).status).toBe(200);
        // the second slot: a capture that will not render for a while
        const slow = app.capture({ ...PAGE, delay_capture: 4000 }).then((res) => res);
        expect(await waitFor(() => app.pool.stats().activePages === 2)).toBe(true);
        const started = Date.now();
        const third = await app.capture(PAGE);
        expect(third.status).toBe(200);
        expect(Date.now() - started).toBeLessThan(2500); // not held until the slow capture renders
        expect((await slow).status).toBe(200);
      } finally {
        await app.close();
      }
    });

    it('never for a capture that failed, nor with BROWSER_CLOSE_WAIT_MS=0', async () => {
      const app = await startApp(LONG_WAIT);
      const atOnce = await startApp({ BROWSER_CLOSE_WAIT_MS: '0' });
      try {
        const started = Date.now();
        const failed = await app.capture({ ...PAGE, wait_for_selector: '#never', wait_for_timeout: 300 });
        expect(failed.status).toBe(504);
        expect(Date.now() - started).toBeLessThan(5000); // its teardown did not wait
        expect(app.pool.stats()).toMatchObject({ activePages: 0, closesWaiting: 0 }); // torn down before the answer
        expect((await atOnce.capture(PAGE)).status).toBe(200);
        expect(atOnce.pool.stats().closesWaiting).toBe(0);
        expect(await waitFor(() => atOnce.pool.stats().activePages === 0, 5000)).toBe(true);
      } finally {
        await Promise.all([app.close(), atOnce.close()]);
      }
    });
  });

  it('reports ready while a browser is connected', async () => {
    const res = await svc.http().get('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body.details.browser_pool.status).toBe('up');
  });

  it('leaves no Chrome process behind when the app closes', async () => {
    const other = await startApp();
    expect((await other.capture(PAGE)).status).toBe(200);
    const id = other.pool.instanceId;
    expect(chromeProcessesOf(id).length).toBeGreaterThan(0);
    await other.close();
    expect(await waitFor(() => chromeProcessesOf(id).length === 0, 10000)).toBe(true);
  });
});

describe('BrowserPool: a browser that cannot start', () => {
  it('fails captures fast with 503 and reports not ready, without hanging', async () => {
    const svc = await startApp({ CHROME_PATH: '/bin/false', BROWSER_LAUNCH_TIMEOUT_MS: '2000' });
    try {
      const started = Date.now();
      const res = await svc.capture(PAGE);
      expect(res.status).toBe(503);
      expect(res.body.error_type).toBe('CapacityError');
      expect(Date.now() - started).toBeLessThan(15000);
      const ready = await svc.http().get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.status).toBe('error');
      expect((await svc.http().get('/health/live')).status).toBe(200);
    } finally {
      await svc.close();
    }
  });
});
