import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { signCaptureUrl, SignableValue } from '../src/auth/url-signing';
import { FixtureServer } from './helpers/fixture-server';
import { pngSize } from './helpers/images';
import { startApp, TestApp } from './helpers/app';

const SECRET = 'signing-secret-5b1f0e-signed-url-spec';
const TOKEN = 'token-for-signed-url-tests-0123456789';
const MAX_TTL = 3600;

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('signed URLs for GET /capture', () => {
  let fixture: FixtureServer;
  let svc: TestApp;
  let base: string;

  /** Path and query of a signed URL, for supertest. */
  const signed = (
    params: Record<string, SignableValue>,
    expiry: { expiresIn: number } | { expires: number } = { expiresIn: 600 },
    secret = SECRET,
  ) => {
    const url = new URL(signCaptureUrl(base, params, secret, expiry));
    return `${url.pathname}${url.search}`;
  };
  /** The parameters of a small capture of the fixture page. */
  const shot = (extra: Record<string, SignableValue> = {}) => ({
    url: fixture.url('/page?a=1&b=two words'),
    window_width: 120,
    window_height: 90,
    wait_for_network: 'none',
    ...extra,
  });
  const get = (path: string) => svc.http().get(path);
  const expect403 = (res: { status: number; body: any }) => {
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({
      error_type: 'AuthenticationError',
      message: 'Invalid authentication token',
    });
  };

  beforeAll(async () => {
    fixture = await new FixtureServer().page('/page', '<body style="background:#00f">signed</body>').start();
    svc = await startApp({
      NETWORK_ALLOW: `127.0.0.1:${fixture.port}`,
      AUTH_TOKEN: TOKEN,
      URL_SIGNING_SECRET: SECRET,
      SIGNED_URL_MAX_TTL: String(MAX_TTL),
    });
    base = 'http://localhost:8080'; // only the path and query are used
  });

  afterAll(async () => {
    await svc?.close();
    await fixture?.stop();
  });

  it('captures with a valid signed URL and no token; expires and signature are not capture fields', async () => {
    const res = await get(signed(shot()));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(pngSize(res.body)).toEqual({ width: 120, height: 90 });
    // the url with its own query (& and a space) arrived intact
    expect(fixture.hits('/page').some((r) => r.path === '/page?a=1&b=two%20words')).toBe(true);
  });

  it('verifies whatever order the parameters come in (the canonical form sorts them)', async () => {
    const path = signed(shot());
    const [route, query] = path.split('?');
    const reordered = `${route}?${query.split('&').reverse().join('&')}`;
    expect(reordered).not.toBe(path);
    expect((await get(reordered)).status).toBe(200);
  });

  it('verifies a query that writes spaces as + instead of %20 (values are compared decoded)', async () => {
    const path = signed(shot());
    expect(path).toContain('%20');
    const plus = path.replace(/%20/g, '+');
    expect((await get(plus)).status).toBe(200);
  });

  it.each<[string, (path: string) => string]>([
    ['a changed value', (p) => p.replace('window_width=120', 'window_width=121')],
    ['an added parameter', (p) => `${p}&full_page=true`],
    ['a removed parameter', (p) => p.replace('&window_height=90', '')],
    ['a repeated parameter with the same value', (p) => `${p}&window_width=120`],
    [
      'a repeated signature',
      (p) => `${p}&signature=${new URLSearchParams(p.split('?')[1]).get('signature')}`,
    ],
    [
      'a value moved to another parameter',
      (p) =>
        p.replace('window_height=90', 'window_height=120').replace('window_width=120', 'window_width=90'),
    ],
    [
      'a pushed-back expires',
      (p) => p.replace(/expires=(\d+)/, (_m, e: string) => `expires=${Number(e) + 60}`),
    ],
    [
      'a changed signature',
      (p) => p.replace(/signature=(.)/, (_m, c: string) => `signature=${c === 'A' ? 'B' : 'A'}`),
    ],
    ['a truncated signature', (p) => p.slice(0, -3)],
    ['no signature', (p) => p.replace(/&signature=[^&]*/, '')],
    ['no expires', (p) => p.replace(/expires=\d+&/, '')],
  ])('403 for %s', async (_what, tamper) => {
    const path = signed(shot());
    const tampered = tamper(path);
    expect(tampered).not.toBe(path);
    expect403(await get(tampered));
  });

  it('403 for a signed list sent as a repeated parameter (its canonical text would be the same)', async () => {
    const path = signed(shot({ hide_selectors: '.a,.b' }));
    expect(path).toContain('hide_selectors=.a%2C.b');
    expect403(await get(path.replace('hide_selectors=.a%2C.b', 'hide_selectors=.a&hide_selectors=.b')));
  });

  it('403 for a URL signed with another secret', async () => {
    expect403(await get(signed(shot(), { expiresIn: 600 }, 'not-the-secret')));
  });

  it('403 for an expired URL, and for one that expires further ahead than SIGNED_URL_MAX_TTL', async () => {
    expect403(await get(signed(shot(), { expires: nowSeconds() - 5 })));
    expect403(await get(signed(shot(), { expires: nowSeconds() + MAX_TTL + 120 })));
    expect((await get(signed(shot(), { expires: nowSeconds() + MAX_TTL - 120 }))).status).toBe(200);
  });

  it('a signed URL still gets the usual 400 for bad fields, without naming expires or signature', async () => {
    const res = await get(signed(shot({ window_width: 0, fullpage: true })));
    expect(res.status).toBe(400);
    expect(res.body.error_details).toContain('unknown field "fullpage"');
    expect(res.body.error_details).toContain('window_width');
    expect(res.body.error_details).not.toMatch(/expires|signature/);
  });

  it('is for GET only: a signed query on POST still needs a token', async () => {
    const path = signed(shot());
    const res = await svc.http().post(path).send({ html_content: '<p>x</p>' });
    expect(res.status).toBe(401);
  });

  it('a bearer token works on GET too, and a request that sends one is judged by it', async () => {
    const plain = await get(
      `/capture?${new URLSearchParams({ url: fixture.url('/page'), wait_for_network: 'none', window_width: '50', window_height: '40' })}`,
    ).set('Authorization', `Bearer ${TOKEN}`);
    expect(plain.status).toBe(200);
    expect403(await get(signed(shot())).set('Authorization', 'Bearer wrong'));
  });

  it('documents expires and signature on GET /capture', async () => {
    const doc = (await svc.http().get('/docs-json')).body;
    const params = doc.paths['/capture'].get.parameters as {
      name: string;
      in: string;
      description?: string;
    }[];
    for (const name of ['expires', 'signature']) {
      const param = params.find((p) => p.name === name);
      expect(param).toMatchObject({ in: 'query' });
      expect(param?.description).toMatch(/signed/i);
    }
  });

  it('npm run sign-url prints a URL the service accepts', async () => {
    const { stdout } = await promisify(execFile)(
      'npm',
      [
        'run',
        '-s',
        'sign-url',
        '--',
        '--base',
        `http://127.0.0.1:${(svc.app.getHttpServer().address() as { port: number }).port}`,
        '--secret',
        SECRET,
        '--ttl',
        '600',
        `url=${fixture.url('/page')}`,
        'format=jpeg',
        'window_width=70',
        'window_height=30',
        'wait_for_network=none',
      ],
      { cwd: `${__dirname}/..` },
    );
    const url = new URL(stdout.trim());
    expect(url.searchParams.get('format')).toBe('jpeg');
    const res = await get(`${url.pathname}${url.search}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
  });
});

describe('signed URLs without URL_SIGNING_SECRET', () => {
  let svc: TestApp;

  beforeAll(async () => {
    svc = await startApp({ AUTH_TOKEN: TOKEN, BROWSER_POOL_MIN: '0' });
  });

  afterAll(async () => {
    await svc?.close();
  });

  it('403: a signature cannot be checked, so it is refused', async () => {
    const url = new URL(
      signCaptureUrl('http://h', { url: 'https://example.com' }, SECRET, { expiresIn: 60 }),
    );
    const res = await svc.http().get(`${url.pathname}${url.search}`);
    expect(res.status).toBe(403);
  });
});
