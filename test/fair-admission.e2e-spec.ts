// One principal whose pages never finish cannot starve another (MAX_PRINCIPAL_SHARE).
import { ServerResponse } from 'node:http';
import { FixtureServer } from './helpers/fixture-server';
import { startApp, TestApp, waitFor } from './helpers/app';

const HUNG = 'fair-admission-spec-token-hung-0123456789';
const OTHER = 'fair-admission-spec-token-other-012345678';

describe('fair admission between principals', () => {
  let fixture: FixtureServer;
  const held: ServerResponse[] = [];
  let holding = true;

  beforeAll(async () => {
    fixture = await new FixtureServer()
      // a page that never answers, until the test lets go
      .route('/never', (_req, res) => (holding ? void held.push(res) : res.end('<p>late</p>')))
      .page('/ok', '<body style="background:rgb(0,128,0)"><h1>ok</h1></body>')
      .start();
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  const start = (share: string) => {
    holding = true;
    return startApp({
      NETWORK_ALLOW: `127.0.0.1:${fixture.port}`,
      AUTH_TOKENS: `${HUNG},${OTHER}`,
      MAX_CONCURRENT_CAPTURES: '4',
      MAX_QUEUE: '4',
      MAX_PRINCIPAL_SHARE: share,
      REQUEST_TIMEOUT_MS: '60000',
    });
  };

  const capture = (svc: TestApp, token: string, path: string) =>
    svc
      .http()
      .post('/capture')
      .set('Authorization', `Bearer ${token}`)
      .send({ url: fixture.url(path), wait_for_network: 'none', wait_for_timeout: 45_000 })
      .then((r) => r);

  /** Token HUNG sends `count` captures of a page that never loads, and keeps them waiting. */
  const hang = (svc: TestApp, count: number) =>
    Array.from({ length: count }, () => capture(svc, HUNG, '/never'));

  const releaseHeld = () => {
    holding = false;
    for (const res of held.splice(0)) res.end('<p>late</p>');
  };

  it('with a 50% share: the hung caller gets 2 slots and 2 queue places, the next is 503, and another caller still gets through at once', async () => {
    const svc = await start('50');
    try {
      const hung = hang(svc, 4);
      expect(await waitFor(() => held.length === 2, 20_000)).toBe(true); // 2 running, 2 queued behind them
      const refused = await capture(svc, HUNG, '/never');
      expect(refused.status).toBe(503);
      expect(refused.body.error_details).toMatch(/share of the queue is full/);
      const started = Date.now();
      const other = await capture(svc, OTHER, '/ok');
      expect(other.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(15_000);
      releaseHeld();
      const statuses = (await Promise.all(hung)).map((r) => r.status);
      expect(statuses.every((s) => s === 200)).toBe(true);
    } finally {
      releaseHeld();
      await svc.close();
    }
  });

  it('without fair shares (100%), the same hung caller takes every slot and the queue: the other caller is turned away', async () => {
    const svc = await start('100');
    try {
      const hung = hang(svc, 8);
      expect(await waitFor(() => held.length === 4, 20_000)).toBe(true);
      const other = await capture(svc, OTHER, '/ok');
      expect(other.status).toBe(503); // what MAX_PRINCIPAL_SHARE prevents
      releaseHeld();
      await Promise.all(hung);
    } finally {
      releaseHeld();
      await svc.close();
    }
  });
});
