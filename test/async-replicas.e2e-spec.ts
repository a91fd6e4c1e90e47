import { ChildProcess } from 'node:child_process';
import { FixtureServer } from './helpers/fixture-server';
import { waitFor } from './helpers/app';
import { binaryParser, pngSize } from './helpers/images';
import { freePort } from './helpers/ports';
import { descendantsOf } from './helpers/processes';
import { startRedis, stopRedis } from './helpers/redis';
import { ServiceProcess, spawnService } from './helpers/service-process';

const TOKEN = 'replicas-spec-token-0123456789abcdef';
const JOBS = 8;
/** Each page answers after this: the jobs are mid-capture when a replica dies. */
const PAGE_DELAY_MS = 1500;

describe('asynchronous captures on two replicas sharing one Redis', () => {
  let redis: ChildProcess | undefined;
  let fixture: FixtureServer;
  let a: ServiceProcess;
  let b: ServiceProcess;
  let restarted: ServiceProcess | undefined;
  let orphans: number[] = [];
  let env: Record<string, string>;

  const batchOf = (n: number, tag: string) =>
    Array.from({ length: n }, (_, i) => ({
      url: fixture.url(`/slow?${tag}=${i}`),
      window_width: 200 + i,
      window_height: 100,
      wait_for_network: 'none',
    }));
  const listing = async (svc: ServiceProcess, batchId: string) =>
    (await svc.http().get(`/captures/batch/${batchId}`).set('Authorization', `Bearer ${TOKEN}`)).body as {
      jobs: { id: string; status: string }[];
    };

  const logged = (svc: ServiceProcess, msg: string) =>
    svc
      .jsonLines()
      .filter((l) => l.msg === msg)
      .map((l) => l.job_id as string);

  beforeAll(async () => {
    const redisPort = await freePort();
    redis = await startRedis(redisPort);
    fixture = await new FixtureServer()
      .route('/slow', (_req, res) => {
        setTimeout(() => {
          res.writeHead(200, { 'Content-Type': 'text/html' });
          res.end('<body style="background:rgb(0,200,0)">slow</body>');
        }, PAGE_DELAY_MS);
      })
      .start();
    env = {
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      AUTH_TOKEN: TOKEN,
      NETWORK_ALLOW: `127.0.0.1:${fixture.port}`,
      ASYNC_CONCURRENCY: '2',
      JOB_STALLED_INTERVAL_MS: '2000', // a dead replica's jobs are taken over within seconds
      LOG_LEVEL: 'info',
    };
    [a, b] = await Promise.all([spawnService(env), spawnService(env)]);
  }, 120_000);

  afterAll(async () => {
    a?.kill();
    b?.kill();
    restarted?.kill();
    for (const pid of orphans) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await fixture?.stop();
    await stopRedis(redis);
  });

  it('finishes every job of a batch on the surviving replica when the other is SIGKILLed mid-batch', async () => {
    const submitted = await a
      .http()
      .post('/captures/batch')
      .set('Authorization', `Bearer ${TOKEN}`)
      .send({
        requests: batchOf(JOBS, 'n'),
      });
    expect(submitted.status).toBe(202);
    const ids: string[] = submitted.body.jobs.map((j: { id: string }) => j.id);

    // Kill A while it holds jobs it has started and not finished.
    const holding = () => {
      const done = new Set(logged(a, 'capture job succeeded'));
      return logged(a, 'capture job started').filter((id) => !done.has(id));
    };
    expect(await waitFor(() => holding().length > 0, 30_000, 20)).toBe(true);
    orphans = descendantsOf(a.child.pid!); // its Chrome, killed in afterAll (a SIGKILLed parent cannot)
    a.child.kill('SIGKILL');
    await a.exited;
    const held = holding();
    expect(held.length).toBeGreaterThan(0);

    let listing: { jobs: { id: string; status: string }[] } = { jobs: [] };
    const allDone = await waitFor(
      async () => {
        const res = await b
          .http()
          .get(`/captures/batch/${submitted.body.batch_id}`)
          .set('Authorization', `Bearer ${TOKEN}`);
        listing = res.body;
        return listing.jobs.every((j) => j.status === 'succeeded');
      },
      90_000,
      500,
    );
    expect(listing.jobs.map((j) => j.id)).toEqual(ids);
    expect(listing.jobs.filter((j) => j.status !== 'succeeded')).toEqual([]);
    expect(allDone).toBe(true);

    const startedOnB = new Set(logged(b, 'capture job started'));
    for (const id of held) {
      expect(startedOnB.has(id)).toBe(true); // B took over what A held
      const status = await b.http().get(`/captures/${id}`).set('Authorization', `Bearer ${TOKEN}`);
      expect(status.body).toMatchObject({ status: 'succeeded', attempts: 1 }); // the lost run is not an attempt
    }
    for (const [i, id] of ids.entries()) {
      const result = await b
        .http()
        .get(`/captures/${id}/result`)
        .set('Authorization', `Bearer ${TOKEN}`)
        .buffer(true)
        .parse(binaryParser);
      expect(result.status).toBe(200);
      expect(pngSize(result.body as Buffer)).toEqual({ width: 200 + i, height: 100 });
    }
    console.log(
      `two replicas: ${JOBS} jobs, A killed holding ${held.length} (${held.join(', ')}); B ran ${startedOnB.size} job starts and finished all`,
    );
  }, 180_000);

  it('hands running jobs back to the queue on SIGTERM (not an attempt), exits 0, and the other replica finishes them', async () => {
    restarted = await spawnService(env);
    const submitted = await b
      .http()
      .post('/captures/batch')
      .set('Authorization', `Bearer ${TOKEN}`)
      .send({ requests: batchOf(6, 'term') });
    expect(submitted.status).toBe(202);
    const svc = restarted;
    expect(await waitFor(() => logged(svc, 'capture job started').length > 0, 30_000, 20)).toBe(true);
    const stoppedAt = Date.now();
    svc.child.kill('SIGTERM');
    const { code } = await svc.exited;
    expect(code).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(20_000); // well inside SHUTDOWN_GRACE_MS + the chart's headroom
    const handedBack = logged(svc, 'capture job handed back to the queue');
    const succeededThere = new Set(logged(svc, 'capture job succeeded'));
    const startedThere = logged(svc, 'capture job started').filter((id) => !succeededThere.has(id));
    expect(handedBack.sort()).toEqual(startedThere.sort()); // every job it held went back
    expect(handedBack.length).toBeGreaterThan(0);

    expect(
      await waitFor(
        async () => (await listing(b, submitted.body.batch_id)).jobs.every((j) => j.status === 'succeeded'),
        60_000,
        500,
      ),
    ).toBe(true);
    for (const id of handedBack) {
      const status = await b.http().get(`/captures/${id}`).set('Authorization', `Bearer ${TOKEN}`);
      expect(status.body).toMatchObject({ status: 'succeeded', attempts: 1 });
    }
    console.log(
      `SIGTERM: the replica handed back ${handedBack.length} running job(s) and exited 0 in ${Date.now() - stoppedAt} ms`,
    );
  }, 180_000);
});
