import { chromeEnvironment } from './chrome-env';

describe('chromeEnvironment', () => {
  /** What Chrome needs to find files and fonts and to speak the locale: kept as it is. */
  const chromeNeeds = {
    HOME: '/home/pixashot',
    PATH: '/usr/bin:/bin',
    TZ: 'UTC',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    XDG_CONFIG_HOME: '/tmp/xdg',
    FONTCONFIG_PATH: '/etc/fonts',
  };
  const serviceEnv = {
    ...chromeNeeds,
    AUTH_TOKEN: 'a'.repeat(32),
    AUTH_TOKENS: 'b'.repeat(32),
    URL_SIGNING_SECRET: 's'.repeat(32),
    REDIS_URL: 'redis://:pw@redis:6379',
    NODE_OPTIONS: '--inspect',
    PORT: '8080',
    AWS_SECRET_ACCESS_KEY: 'x',
    UNSET: undefined,
  };

  it("keeps what Chrome needs (files, fonts, locale) and adds the pool's marker", () => {
    expect(chromeEnvironment(serviceEnv, 'pool-1')).toEqual({ ...chromeNeeds, PIXASHOT_POOL_ID: 'pool-1' });
  });

  it('drops every secret and every variable of the app', () => {
    const names = Object.keys(chromeEnvironment(serviceEnv, 'pool-1'));
    for (const name of [
      'AUTH_TOKEN',
      'AUTH_TOKENS',
      'URL_SIGNING_SECRET',
      'REDIS_URL',
      'NODE_OPTIONS',
      'PORT',
    ]) {
      expect(names).not.toContain(name);
    }
  });
});
