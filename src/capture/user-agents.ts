import type { Protocol } from 'puppeteer-core';

export const UA_DEVICES = ['desktop', 'mobile'] as const;
export const UA_PLATFORMS = ['windows', 'macos', 'linux', 'ios', 'android'] as const;
export const UA_BROWSERS = ['chrome', 'edge', 'firefox', 'safari'] as const;
export type UaDevice = (typeof UA_DEVICES)[number];
export type UaPlatform = (typeof UA_PLATFORMS)[number];
export type UaBrowser = (typeof UA_BROWSERS)[number];

/** The three preset fields of a capture request, all chosen. */
export interface UaPreset {
  device: UaDevice;
  platform: UaPlatform;
  browser: UaBrowser;
}

/** Everything a page is told about the browser it runs in. */
export interface UserAgentChoice {
  userAgent: string;
  /** navigator.platform */
  platform: string;
  /** Client hints (Sec-CH-UA-*, navigator.userAgentData); only Chromium browsers outside iOS have them. */
  metadata?: Protocol.Emulation.UserAgentMetadata;
  /** Emulate a phone or tablet: mobile viewport and touch. */
  mobile: boolean;
}

/**
 * Versions of browsers that are not the one we drive. Firefox ships on the
 * same four-week cadence as Chrome, two majors ahead of it; Safari's version
 * is yearly (and iOS 26 froze the OS version in its user agent at 18_6).
 */
const SAFARI_VERSION = '26.0';
const IOS_UA_VERSION = '18_6';
const MACOS_UA_VERSION = '10_15_7'; // frozen by every browser on macOS
const firefoxMajorFor = (chromeMajor: number) => chromeMajor + 2;

const DESKTOP_PLATFORMS: readonly UaPlatform[] = ['windows', 'macos', 'linux'];
const MOBILE_PLATFORMS: readonly UaPlatform[] = ['ios', 'android'];

/** Why a combination of preset fields names no real browser, or undefined when it does. */
export function presetProblem(parts: Partial<UaPreset>): string | undefined {
  // values outside the enums are the DTO's to report
  const device = UA_DEVICES.includes(parts.device!) ? parts.device : undefined;
  const platform = UA_PLATFORMS.includes(parts.platform!) ? parts.platform : undefined;
  const browser = UA_BROWSERS.includes(parts.browser!) ? parts.browser : undefined;
  if (device && platform) {
    const fits = device === 'mobile' ? MOBILE_PLATFORMS : DESKTOP_PLATFORMS;
    if (!fits.includes(platform)) {
      return `user_agent_platform ${platform} is not a ${device} platform (${device}: ${fits.join(', ')})`;
    }
  }
  if (browser === 'safari' && platform && platform !== 'macos' && platform !== 'ios') {
    return `user_agent_browser safari exists only on macos and ios, not on ${platform}`;
  }
  return undefined;
}

const deviceOf = (platform: UaPlatform): UaDevice =>
  MOBILE_PLATFORMS.includes(platform) ? 'mobile' : 'desktop';

function defaultPlatform(device: UaDevice | undefined, browser: UaBrowser | undefined): UaPlatform {
  if (device === 'mobile') return browser === 'safari' ? 'ios' : 'android';
  return browser === 'safari' ? 'macos' : 'windows';
}

const defaultBrowser = (platform: UaPlatform): UaBrowser =>
  platform === 'ios' || platform === 'macos' ? 'safari' : 'chrome';

/**
 * Completes the preset from the fields the request gave, then the
 * template's, then defaults. A template field that does not fit what the
 * request chose is dropped rather than failing the request: a request for
 * `user_agent_platform: android` on the iphone_13 template gets Chrome on
 * Android, not Safari on Android. Undefined when no preset field is set.
 */
export function completePreset(
  given: Partial<UaPreset>,
  template: Partial<UaPreset> = {},
): UaPreset | undefined {
  const chosen: Partial<UaPreset> = { ...given };
  for (const key of ['device', 'platform', 'browser'] as const) {
    if (chosen[key] !== undefined || template[key] === undefined) continue;
    const candidate = { ...chosen, [key]: template[key] };
    if (!presetProblem(candidate)) Object.assign(chosen, { [key]: template[key] });
  }
  if (!chosen.device && !chosen.platform && !chosen.browser) return undefined;
  const platform = chosen.platform ?? defaultPlatform(chosen.device, chosen.browser);
  const device = chosen.device ?? deviceOf(platform);
  const browser = chosen.browser ?? defaultBrowser(platform);
  return { device, platform, browser };
}

/** "156.0.8078.79" from Browser.version() ("Chrome/156.0.8078.79" or "HeadlessChrome/156.0.8078.79"). */
export function chromeVersionOf(browserVersion: string): string {
  return /(?:Chrome|Chromium)\/(\d+(?:\.\d+){0,3})/.exec(browserVersion)?.[1] ?? '0.0.0.0';
}

interface OsParts {
  /** The part in parentheses of a Chromium or Safari user agent. */
  token: string;
  /** navigator.platform */
  navigatorPlatform: string;
  /** Client-hint platform, platform version, architecture, model. */
  hint: { platform: string; platformVersion: string; architecture: string; model: string };
}

function osParts(platform: UaPlatform, tablet: boolean): OsParts {
  switch (platform) {
    case 'windows':
      return {
        token: 'Windows NT 10.0; Win64; x64',
        navigatorPlatform: 'Win32',
        hint: { platform: 'Windows', platformVersion: '15.0.0', architecture: 'x86', model: '' },
      };
    case 'macos':
      return {
        token: `Macintosh; Intel Mac OS X ${MACOS_UA_VERSION}`,
        navigatorPlatform: 'MacIntel',
        hint: { platform: 'macOS', platformVersion: '15.5.0', architecture: 'arm', model: '' },
      };
    case 'linux':
      return {
        token: 'X11; Linux x86_64',
        navigatorPlatform: 'Linux x86_64',
        hint: { platform: 'Linux', platformVersion: '6.8.0', architecture: 'x86', model: '' },
      };
    case 'android':
      // Chrome's reduced user agent hides the Android version and model ("Android 10; K").
      return {
        token: 'Linux; Android 10; K',
        navigatorPlatform: 'Linux armv81',
        hint: {
          platform: 'Android',
          platformVersion: '15.0.0',
          architecture: '',
          model: tablet ? 'Pixel Tablet' : 'Pixel 7',
        },
      };
    case 'ios':
      return {
        token: tablet
          ? `iPad; CPU OS ${IOS_UA_VERSION} like Mac OS X`
          : `iPhone; CPU iPhone OS ${IOS_UA_VERSION} like Mac OS X`,
        navigatorPlatform: tablet ? 'iPad' : 'iPhone',
        hint: {
          platform: 'iOS',
          platformVersion: IOS_UA_VERSION.replace('_', '.'),
          architecture: '',
          model: '',
        },
      };
  }
}

/** GREASE brand that Chromium puts first in Sec-CH-UA, as Chrome itself does for this major. */
const GREASE_BRANDS = [
  'Not)A;Brand',
  'Not/A)Brand',
  'Not_A Brand',
  'Not;A=Brand',
  'Not:A-Brand',
  'Not A(Brand',
];
const greaseBrand = (major: number) => GREASE_BRANDS[major % GREASE_BRANDS.length];

function chromiumMetadata(
  browser: 'chrome' | 'edge',
  fullVersion: string,
  os: OsParts,
  mobile: boolean,
): Protocol.Emulation.UserAgentMetadata {
  const major = fullVersion.split('.')[0];
  const name = browser === 'edge' ? 'Microsoft Edge' : 'Google Chrome';
  const grease = greaseBrand(Number(major));
  return {
    brands: [
      { brand: grease, version: '8' },
      { brand: 'Chromium', version: major },
      { brand: name, version: major },
    ],
    fullVersionList: [
      { brand: grease, version: '8.0.0.0' },
      { brand: 'Chromium', version: fullVersion },
      { brand: name, version: fullVersion },
    ],
    fullVersion,
    platform: os.hint.platform,
    platformVersion: os.hint.platformVersion,
    architecture: os.hint.architecture,
    model: os.hint.model,
    mobile,
    bitness: mobile ? '' : '64',
    wow64: false,
  };
}

/**
 * The user agent string, navigator.platform and client hints of a real
 * browser for the preset. Chrome and Edge take the version of the Chromium
 * that renders the page (its major in the reduced user agent, the full
 * version in the client hints), so the page sees no mismatch between the two.
 * `tablet` (a mobile preset with a wide viewport) picks the iPad / Android
 * tablet form.
 */
export function buildUserAgent(preset: UaPreset, chromeFullVersion: string, tablet = false): UserAgentChoice {
  const { platform, browser } = preset;
  const mobile = preset.device === 'mobile';
  const os = osParts(platform, tablet && mobile);
  const major = Number(chromeFullVersion.split('.')[0]) || 0;
  const reduced = `${major}.0.0.0`;
  const webkit = 'AppleWebKit/537.36 (KHTML, like Gecko)';
  // Android tablets drop "Mobile" from the user agent; phones keep it.
  const mobileSafari = mobile && !tablet ? 'Mobile Safari/537.36' : 'Safari/537.36';

  if (platform === 'ios') {
    // Every iOS browser is WebKit underneath, with its own product token and no client hints.
    const device = 'Mobile/15E148';
    const product = {
      safari: `Version/${SAFARI_VERSION} ${device} Safari/604.1`,
      chrome: `CriOS/${chromeFullVersion} ${device} Safari/604.1`,
      edge: `EdgiOS/${chromeFullVersion} ${device} Safari/605.1.15`,
      firefox: `FxiOS/${firefoxMajorFor(major)}.0 ${device} Safari/605.1.15`,
    }[browser];
    return {
      userAgent: `Mozilla/5.0 (${os.token}) AppleWebKit/605.1.15 (KHTML, like Gecko) ${product}`,
      platform: os.navigatorPlatform,
      mobile,
    };
  }
  if (browser === 'safari') {
    return {
      userAgent: `Mozilla/5.0 (${os.token}) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${SAFARI_VERSION} Safari/605.1.15`,
      platform: os.navigatorPlatform,
      mobile,
    };
  }
  if (browser === 'firefox') {
    const rv = `${firefoxMajorFor(major)}.0`;
    const token = {
      windows: 'Windows NT 10.0; Win64; x64',
      macos: 'Macintosh; Intel Mac OS X 10.15',
      linux: 'X11; Linux x86_64',
      android: tablet ? 'Android 15; Tablet' : 'Android 15; Mobile',
    }[platform];
    const gecko = platform === 'android' ? `Gecko/${rv}` : 'Gecko/20100101';
    return {
      userAgent: `Mozilla/5.0 (${token}; rv:${rv}) ${gecko} Firefox/${rv}`,
      platform: os.navigatorPlatform,
      mobile,
    };
  }
  // Chrome and Edge on Windows, macOS, Linux and Android.
  const edge = browser === 'edge' ? (platform === 'android' ? ` EdgA/${reduced}` : ` Edg/${reduced}`) : '';
  const safariToken = platform === 'android' ? mobileSafari : 'Safari/537.36';
  return {
    userAgent: `Mozilla/5.0 (${os.token}) ${webkit} Chrome/${reduced} ${safariToken}${edge}`,
    platform: os.navigatorPlatform,
    metadata: chromiumMetadata(browser, chromeFullVersion, os, mobile),
    mobile,
  };
}
