import { FixtureServer } from './helpers/fixture-server';
import { pngSize } from './helpers/images';
import { startApp, TestApp } from './helpers/app';

const TOKENS = ['alpha-0f4c2b9e7d-auth-spec-token-one', 'beta-8a1d3c5e-auth-spec-token-two-x'];
const SINGLE = 'gamma-77e1c0-auth-spec-single-token';

/** A capture that needs no network and little time: rendered HTML, no network wait. */
const CHEAP = {
  html_content: '<body style="background:#0a0">ok</body>',
  window_width: 64,
  window_height: 48,
  wait_for_network: 'none',
};

const expectAuthError = (res: { status: number; body: any }, status: 401 | 403) => {
  expect(res.status).toBe(status);
  expect(res.body).toMatchObject({
    status: 'error',
    error_type: 'AuthenticationError',
    message: status === 401 ? 'Missing authentication token' : 'Invalid authentication token',
  });
  expect(res.body.request_id).toEqual(expect.any(String));
};

describe('bearer-token authentication', () => {
  let fixture: FixtureServer;
  let svc: TestApp;

  beforeAll(async () => {
    fixture = await new FixtureServer().page('/ok', '<h1>ok</h1>').start();
    svc = await startApp({
      NETWORK_ALLOW: `127.0.0.1:${fixture.port}`,
      AUTH_TOKEN: SINGLE,
      AUTH_TOKENS: TOKENS.join(', '),
    });
  });

  afterAll(async () => {
    await svc?.close();
    await fixture?.stop();
  });

  it('401 "Missing authentication token" without credentials, before the body is even validated', async () => {
    expectAuthError(await svc.capture(CHEAP), 401);
    expectAuthError(await svc.capture({ fullpage: 'not a field' }), 401);
    expectAuthError(
      await svc
        .http()
        .get('/capture')
        .query({ url: fixture.url('/ok') }),
      401,
    );
  });

  it('401 for an empty Authorization header or a Bearer without a token', async () => {
    expectAuthError(await svc.capture(CHEAP).set('Authorization', ''), 401);
    expectAuthError(await svc.capture(CHEAP).set('Authorization', 'Bearer '), 401);
  });

  it.each([
    ['a wrong token', 'Bearer nope'],
    ['a prefix of a real token', `Bearer ${TOKENS[0].slice(0, -1)}`],
    ['a real token with one character more', `Bearer ${TOKENS[0]}x`],
    ['a real token in another case', `Bearer ${TOKENS[0].toUpperCase()}`],
    ['two tokens', `Bearer ${TOKENS[0]} ${TOKENS[1]}`],
    ['another scheme', `Basic ${Buffer.from(`u:${TOKENS[0]}`).toString('base64')}`],
    ['the token without a scheme', TOKENS[0]],
  ])('403 "Invalid authentication token" for %s', async (_what, header) => {
    const res = await svc.capture(CHEAP).set('Authorization', header);
    expectAuthError(res, 403);
    expect(JSON.stringify(res.body)).not.toContain(TOKENS[0].slice(0, 8));
  });

  it.each([...TOKENS, SINGLE])('captures with the configured token %s', async (token) => {
    const res = await svc.capture(CHEAP).set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(pngSize(res.body)).toEqual({ width: 64, height: 48 });
  });

  it('accepts the scheme in any letter case and GET /capture with a token', async () => {
    const lower = await svc.capture(CHEAP).set('Authorization', `bearer ${TOKENS[1]}`);
    expect(lower.status).toBe(200);
    const get = await svc
      .http()
      .get('/capture')
      .query({ url: fixture.url('/ok'), window_width: 80, window_height: 60, wait_for_network: 'none' })
      .set('Authorization', `Bearer ${SINGLE}`);
    expect(get.status).toBe(200);
    expect(pngSize(get.body)).toEqual({ width: 80, height: 60 });
  });

  it('a valid token still gets the usual 400 for a bad body', async () => {
    const res = await svc.capture({ fullpage: true }).set('Authorization', `Bearer ${TOKENS[0]}`);
    expect(res.status).toBe(400);
    expect(res.body.error_details).toContain('unknown field "fullpage"');
  });

  it.each(['/health', '/health/live', '/health/ready', '/docs', '/docs-json', '/docs/swagger-ui-init.js'])(
    '%s needs no token',
    async (path) => {
      const res = await svc.http().get(path);
      expect(res.status).toBe(200);
    },
  );

  it('the OpenAPI document declares the bearer scheme on /capture and the Swagger UI keeps the authorization', async () => {
    const doc = (await svc.http().get('/docs-json')).body;
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/capture'].post.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/capture'].get.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/health/live'].get.security).toEqual([]); // public: explicitly no credentials
    const init = (await svc.http().get('/docs/swagger-ui-init.js')).text;
    expect(init).toMatch(/"persistAuthorization":\s*true/);
  });
});

describe('without any token configured', () => {
  let svc: TestApp;

  beforeAll(async () => {
    svc = await startApp({ AUTH_TOKEN: undefined, AUTH_TOKENS: undefined });
  });

  afterAll(async () => {
    await svc?.close();
  });

  it('runs open: captures need no credentials, and a stray Authorization header is ignored', async () => {
    expect((await svc.capture(CHEAP)).status).toBe(200);
    expect((await svc.capture(CHEAP).set('Authorization', 'Bearer whatever')).status).toBe(200);
  });
});
