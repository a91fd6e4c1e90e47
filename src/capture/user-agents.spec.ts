import {
  buildUserAgent,
  chromeVersionOf,
  completePreset,
  presetProblem,
  UA_BROWSERS,
  UA_DEVICES,
  UA_PLATFORMS,
  UaPreset,
} from './user-agents';

const VERSION = '156.0.8078.79';

/** Every combination presetProblem accepts. */
const COHERENT: UaPreset[] = UA_DEVICES.flatMap((device) =>
  UA_PLATFORMS.flatMap((platform) =>
    UA_BROWSERS.map((browser) => ({ device, platform, browser })).filter((p) => !presetProblem(p)),
  ),
);

describe('user agent presets', () => {
  it('accepts exactly the combinations real browsers have (17 of 40)', () => {
    expect(COHERENT).toHaveLength(17);
    expect(presetProblem({ device: 'desktop', platform: 'android' })).toContain('not a desktop platform');
    expect(presetProblem({ device: 'mobile', platform: 'macos' })).toContain('not a mobile platform');
    expect(presetProblem({ browser: 'safari', platform: 'linux' })).toContain(
      'safari exists only on macos and ios',
    );
    expect(presetProblem({ browser: 'safari', platform: 'ios', device: 'mobile' })).toBeUndefined();
    expect(presetProblem({ device: 'tablet' as never, platform: 'linux' })).toBeUndefined(); // the DTO reports that
  });

  it.each(COHERENT.map((p) => [`${p.device}/${p.platform}/${p.browser}`, p] as const))(
    '%s: one coherent user agent, navigator.platform and client hints',
    (_name, preset) => {
      const ua = buildUserAgent(preset, VERSION);
      expect(ua.userAgent).toMatch(/^Mozilla\/5\.0 \(/);
      expect(ua.mobile).toBe(preset.device === 'mobile');
      const isIos = preset.platform === 'ios';
      const chromium = (preset.browser === 'chrome' || preset.browser === 'edge') && !isIos;
      // client hints only where the real browser sends them
      expect(ua.metadata !== undefined).toBe(chromium);
      if (chromium) {
        expect(ua.userAgent).toContain('Chrome/156.0.0.0'); // reduced user agent: major only
        expect(ua.metadata!.fullVersionList).toContainEqual({ brand: 'Chromium', version: VERSION });
        expect(ua.metadata!.mobile).toBe(preset.device === 'mobile');
        const brand = preset.browser === 'edge' ? 'Microsoft Edge' : 'Google Chrome';
        expect(ua.metadata!.brands).toContainEqual({ brand, version: '156' });
      }
      const os = {
        windows: 'Windows NT 10.0',
        macos: 'Mac OS X',
        linux: 'Linux x86_64',
        android: 'Android',
        ios: 'iPhone',
      }[preset.platform];
      expect(ua.userAgent).toContain(os);
      const product = {
        chrome: isIos ? 'CriOS/' : 'Chrome/',
        edge: isIos ? 'EdgiOS/' : preset.platform === 'android' ? 'EdgA/' : 'Edg/',
        firefox: isIos ? 'FxiOS/' : 'Firefox/',
        safari: 'Version/',
      }[preset.browser];
      expect(ua.userAgent).toContain(product);
      if (preset.browser === 'firefox' && !isIos)
        expect(ua.userAgent).toMatch(/rv:158\.0\) Gecko\/[\d.]+ Firefox\/158\.0$/);
    },
  );

  it('builds the exact strings of the common presets', () => {
    expect(
      buildUserAgent({ device: 'desktop', platform: 'windows', browser: 'chrome' }, VERSION).userAgent,
    ).toBe(
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
    );
    expect(
      buildUserAgent({ device: 'mobile', platform: 'android', browser: 'chrome' }, VERSION),
    ).toMatchObject({
      userAgent:
        'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36',
      platform: 'Linux armv81',
      metadata: { platform: 'Android', mobile: true, model: 'Pixel 7' },
    });
    expect(buildUserAgent({ device: 'mobile', platform: 'ios', browser: 'safari' }, VERSION)).toEqual({
      userAgent:
        'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Mobile/15E148 Safari/604.1',
      platform: 'iPhone',
      mobile: true,
    });
  });

  it('gives tablets their own form: iPad, and Android without "Mobile"', () => {
    const ipad = buildUserAgent({ device: 'mobile', platform: 'ios', browser: 'safari' }, VERSION, true);
    expect(ipad.userAgent).toContain('(iPad; CPU OS 18_6 like Mac OS X)');
    expect(ipad.platform).toBe('iPad');
    const tab = buildUserAgent({ device: 'mobile', platform: 'android', browser: 'chrome' }, VERSION, true);
    expect(tab.userAgent).toMatch(/Chrome\/156\.0\.0\.0 Safari\/537\.36$/);
    expect(tab.metadata?.model).toBe('Pixel Tablet');
    // a desktop preset is never a tablet
    const desk = buildUserAgent({ device: 'desktop', platform: 'linux', browser: 'chrome' }, VERSION, true);
    expect(desk.mobile).toBe(false);
  });

  it('reads the version of headless and headful Chromium alike', () => {
    expect(chromeVersionOf('Chrome/156.0.8078.79')).toBe('156.0.8078.79');
    expect(chromeVersionOf('HeadlessChrome/156.0.8078.79')).toBe('156.0.8078.79');
    expect(chromeVersionOf('something else')).toBe('0.0.0.0');
  });

  describe('completePreset', () => {
    it('is undefined when no preset field is set', () => {
      expect(completePreset({}, {})).toBeUndefined();
    });

    it.each([
      [{ device: 'mobile' }, { device: 'mobile', platform: 'android', browser: 'chrome' }],
      [{ device: 'desktop' }, { device: 'desktop', platform: 'windows', browser: 'chrome' }],
      [{ platform: 'ios' }, { device: 'mobile', platform: 'ios', browser: 'safari' }],
      [{ platform: 'macos' }, { device: 'desktop', platform: 'macos', browser: 'safari' }],
      [{ browser: 'safari' }, { device: 'desktop', platform: 'macos', browser: 'safari' }],
      [{ browser: 'firefox' }, { device: 'desktop', platform: 'windows', browser: 'firefox' }],
      [
        { device: 'mobile', browser: 'safari' },
        { device: 'mobile', platform: 'ios', browser: 'safari' },
      ],
    ] as const)('fills %j with coherent defaults', (given, expected) => {
      expect(completePreset(given)).toEqual(expected);
    });

    it('takes the template parts that fit the request and drops the ones that do not', () => {
      const iphone = { device: 'mobile', platform: 'ios', browser: 'safari' } as const;
      expect(completePreset({ platform: 'android' }, iphone)).toEqual({
        device: 'mobile',
        platform: 'android',
        browser: 'chrome',
      });
      expect(completePreset({ browser: 'firefox' }, iphone)).toEqual({
        device: 'mobile',
        platform: 'ios',
        browser: 'firefox',
      });
      expect(completePreset({ device: 'desktop' }, iphone)).toEqual({
        device: 'desktop',
        platform: 'macos',
        browser: 'safari',
      });
      expect(completePreset({}, iphone)).toEqual(iphone);
    });
  });
});
