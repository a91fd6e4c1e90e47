import { ConfigError, loadConfig, parseRateRule } from './app-config';

describe('loadConfig', () => {
  it('applies the documented defaults (docs/operations.md) to an empty env', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 8080,
      BROWSER_POOL_MIN: 1,
      MAX_WAIT_TIMEOUT_MS: 120000,
      MAX_CAPTURE_HEIGHT: 16384,
      MAX_HTML_BYTES: 5 * 1024 * 1024,
      REQUEST_TIMEOUT_MS: 90000,
      RATE_LIMIT_ENABLED: true,
      RATE_LIMIT_CAPTURE: '5 per second',
      SIGNED_URL_MAX_TTL: 86400,
    });
    expect(config.authTokens).toEqual([]);
  });

  it('converts numbers and booleans from env strings', () => {
    const config = loadConfig({ PORT: '9000', RATE_LIMIT_ENABLED: 'false', USE_COOKIE_BLOCKER: 'yes' });
    expect(config.PORT).toBe(9000);
    expect(config.RATE_LIMIT_ENABLED).toBe(false);
    expect(config.USE_COOKIE_BLOCKER).toBe(true);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ PORT: '', CHROME_PATH: '' }).PORT).toBe(8080);
  });

  it('joins AUTH_TOKEN and AUTH_TOKENS without duplicates', () => {
    const [a, b, c] = ['a', 'b', 'c'].map((x) => x.repeat(32));
    expect(loadConfig({ AUTH_TOKEN: a, AUTH_TOKENS: `${b}, ${a} ,${c},` }).authTokens).toEqual([a, b, c]);
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        RATE_LIMIT_ENABLED: 'maybe',
        RATE_LIMIT_CAPTURE: '5/s',
        BROWSER_POOL_MAX: '0',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ['PORT', 'RATE_LIMIT_ENABLED', 'RATE_LIMIT_CAPTURE', 'BROWSER_POOL_MAX']) {
      expect(message).toContain(name);
    }
    expect((error as ConfigError).problems).toHaveLength(4);
  });

  it('rejects more concurrent captures than the pool has page slots', () => {
    expect(() =>
      loadConfig({ BROWSER_POOL_MAX: '1', BROWSER_MAX_CONCURRENT_PAGES: '2', MAX_CONCURRENT_CAPTURES: '3' }),
    ).toThrow(/MAX_CONCURRENT_CAPTURES=3/);
  });

  it('rejects a pool minimum above its maximum', () => {
    expect(() => loadConfig({ BROWSER_POOL_MIN: '3', BROWSER_POOL_MAX: '2' })).toThrow(/BROWSER_POOL_MIN/);
  });
});

describe('parseRateRule', () => {
  it.each([
    ['5 per second', 5, 1000],
    ['10 per minute', 10, 60000],
    [' 2 PER hour ', 2, 3600000],
  ])('%j is %d per %d ms', (rule, limit, ttlMs) => {
    expect(parseRateRule(rule)).toEqual({ limit, ttlMs });
  });
});

describe('loadConfig: network policy entries', () => {
  it('names a bad NETWORK_ALLOW entry at boot', () => {
    expect(() => loadConfig({ NETWORK_ALLOW: '127.0.0.1:8080, 10.0.0.0/99' })).toThrow(
      /NETWORK_ALLOW.*10\.0\.0\.0\/99/,
    );
  });
});

describe('loadConfig: fails closed on credentials', () => {
  const problemsOf = (env: Record<string, string>): string => {
    try {
      loadConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).message;
    }
    throw new Error('loadConfig accepted the env');
  };

  it.each([
    ['AUTH_TOKEN', ''],
    ['AUTH_TOKEN', '   '],
    ['AUTH_TOKENS', ''],
    ['AUTH_TOKENS', ' , ,'],
  ])('refuses %s=%j: set but no token (the service would start open)', (name, value) => {
    expect(problemsOf({ [name]: value })).toMatch(new RegExp(`${name} is set but holds no token`));
  });

  it('refuses a token shorter than 32 characters, naming the variable and not the token', () => {
    const message = problemsOf({ AUTH_TOKENS: `${'x'.repeat(32)},short-token-31-chars-long-xxxxx` });
    expect(message).toContain('token 2 of AUTH_TOKENS is 31 characters');
    expect(message).not.toContain('short-token');
    expect(problemsOf({ AUTH_TOKEN: 'hunter2' })).toContain('AUTH_TOKEN is 7 characters');
  });

  it('refuses a URL_SIGNING_SECRET shorter than 32 characters, or empty', () => {
    expect(problemsOf({ URL_SIGNING_SECRET: 's3cret' })).toContain('URL_SIGNING_SECRET is 6 characters');
    expect(problemsOf({ URL_SIGNING_SECRET: '' })).toContain('URL_SIGNING_SECRET is 0 characters');
  });

  it('accepts 32-character secrets, and no credential variable at all (open)', () => {
    const config = loadConfig({ AUTH_TOKEN: 't'.repeat(32), URL_SIGNING_SECRET: 's'.repeat(32) });
    expect(config.authTokens).toEqual(['t'.repeat(32)]);
    expect(loadConfig({}).authTokens).toEqual([]);
  });

  it('never echoes a secret: the password inside a bad REDIS_URL stays out of the message', () => {
    const message = problemsOf({ REDIS_URL: 'http://:hunter2-password@redis:6379' });
    expect(message).toContain('REDIS_URL');
    expect(message).not.toContain('hunter2');
  });

  it('refuses METRICS_AUTH without a token to ask for', () => {
    expect(problemsOf({ METRICS_AUTH: 'true' })).toContain('METRICS_AUTH');
  });
});
