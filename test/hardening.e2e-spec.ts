// Misconfiguration fails closed, and Chrome holds none of the service's secrets.
import { readFileSync } from 'node:fs';
import { createApp } from '../src/app.factory';
import { ConfigError } from '../src/config/app-config';
import { startApp, TEST_ENV } from './helpers/app';
import { descendantsOf } from './helpers/processes';

describe('fail closed on misconfiguration', () => {
  const rejection = async (env: Record<string, string>) => {
    const error = await createApp({ ...TEST_ENV, BROWSER_POOL_MIN: '0', ...env }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  };

  it.each([
    [{ AUTH_TOKEN: '' }, /AUTH_TOKEN is set but holds no token/],
    [{ AUTH_TOKENS: ' ,  , ' }, /AUTH_TOKENS is set but holds no token/],
    [{ AUTH_TOKEN: 'short-but-not-empty' }, /AUTH_TOKEN is 19 characters: at least 32/],
    [{ AUTH_TOKENS: `${'a'.repeat(32)},tiny` }, /token 2 of AUTH_TOKENS is 4 characters/],
    [{ AUTH_TOKEN: 'a'.repeat(32), URL_SIGNING_SECRET: 'sesame' }, /URL_SIGNING_SECRET is 6 characters/],
    [{ METRICS_AUTH: 'true' }, /METRICS_AUTH=true: needs AUTH_TOKEN/],
  ])('createApp refuses %j, naming the variable', async (env, message) => {
    const text = await rejection(env as Record<string, string>);
    expect(text).toMatch(message);
    const { METRICS_AUTH: _, ...secrets } = env as Record<string, string>;
    for (const value of Object.values(secrets))
      if (value.trim().length > 0) expect(text).not.toContain(value);
  });

  it('never echoes a bad REDIS_URL, whose password is a secret', async () => {
    const text = await rejection({ REDIS_URL: 'http://:correct-horse-battery@redis:6379/0' });
    expect(text).toContain('REDIS_URL');
    expect(text).not.toContain('correct-horse');
  });
});

describe("Chrome's environment", () => {
  const SECRETS = {
    AUTH_TOKEN: 'env-spec-auth-token-0123456789abcdefghij',
    AUTH_TOKENS: 'env-spec-auth-tokens-0123456789abcdefghij',
    URL_SIGNING_SECRET: 'env-spec-signing-secret-0123456789abcdef',
    REDIS_URL: 'redis://:env-spec-redis-password@127.0.0.1:1/0',
  };
  const saved: Record<string, string | undefined> = {};

  beforeAll(() => {
    // The service reads process.env (Chrome inherits from there): put the secrets where a real deployment has them.
    for (const [name, value] of Object.entries(SECRETS)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
  });

  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('holds no secret and no app variable, in the browser or any of its children', async () => {
    const { REDIS_URL: _, ...credentials } = SECRETS; // no Redis here: only the credentials go to the app
    const svc = await startApp(credentials);
    try {
      // a capture first, so that renderers exist too
      const res = await svc
        .http()
        .post('/capture')
        .set('Authorization', `Bearer ${SECRETS.AUTH_TOKEN}`)
        .send({ html_content: '<p>x</p>', wait_for_network: 'none' });
      expect(res.status).toBe(200);
      const [browser] = svc.pool.browserPids();
      const pids = [browser, ...descendantsOf(browser)];
      expect(pids.length).toBeGreaterThan(2); // the browser, its zygotes, a renderer...
      for (const pid of pids) {
        let environ: string;
        try {
          environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
        } catch {
          continue; // ended while we looked
        }
        for (const value of Object.values(SECRETS)) expect(environ).not.toContain(value);
        const names = environ
          .split('\0')
          .filter(Boolean)
          .map((entry) => entry.split('=')[0]);
        if (pid === browser) expect(names).toContain('PIXASHOT_POOL_ID'); // helpers may start with an empty one
        for (const name of Object.keys(SECRETS)) expect(names).not.toContain(name);
        expect(names.filter((n) => /^(NODE_|npm_|JEST_)/.test(n))).toEqual([]);
      }
    } finally {
      await svc.close();
    }
  });
});
