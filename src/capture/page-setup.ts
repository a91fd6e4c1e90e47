import type { BrowserContext, CDPSession, Page } from 'puppeteer-core';
import { DEFAULT_WINDOW } from '../browser-pool/chrome-path';
import { ValidationError } from '../common/errors';
import type { CaptureOptions } from './capture-options';
import { ConsentBanners } from './consent-banners';
import { PopupWatch, watchPopups } from './popups';
import { buildUserAgent, chromeVersionOf, UserAgentChoice } from './user-agents';
import { pageErrorMessage } from './page-actions';
import { PageErrorWatch } from './content-checks';
import { applyStyles } from './page-styles';
import { blockingRulesOf, installRequestBlocking } from './request-blocking';

/** What the rest of the pipeline needs from the setup. */
export interface PageHelpers {
  popups: PopupWatch;
  /** Present when consent banners are handled (block_cookie_banners). */
  consent?: ConsentBanners;
  /** Present when fail_on_page_error asks for the page's errors. */
  pageErrors?: PageErrorWatch;
}

/** A mobile preset with a viewport at least this wide gets the tablet form of its user agent. */
const TABLET_MIN_WIDTH = 600;

const chromeVersions = new WeakMap<object, Promise<string>>();
/** Full version of the Chromium behind `page`, asked once per browser. */
function chromeVersion(page: Page): Promise<string> {
  const browser = page.browser();
  let version = chromeVersions.get(browser);
  if (!version) {
    version = browser.version().then(chromeVersionOf);
    chromeVersions.set(browser, version);
  }
  return version;
}

/**
 * Context settings, applied to a fresh page before the first byte of the
 * target is loaded so the page sees them from the start: viewport, density
 * and mobile emulation, user agent and client hints, locale, headers,
 * cookies, geolocation, timezone, CSS media type, dark mode, TLS errors,
 * request blocking (block_requests, block_resources, block_media),
 * javascript_enabled, styles, the page-error watch, and the popup and
 * consent-banner helpers.
 */
export async function applyContextSettings(
  page: Page,
  context: BrowserContext,
  opts: CaptureOptions,
): Promise<PageHelpers> {
  // Alerts and confirms would block the page forever: answer them at once.
  page.on('dialog', (dialog) => void dialog.dismiss().catch(() => undefined));
  let session: CDPSession | undefined;
  const cdp = async () => (session ??= await page.createCDPSession());

  const preset =
    opts.user_agent_device && opts.user_agent_platform && opts.user_agent_browser
      ? buildUserAgent(
          {
            device: opts.user_agent_device,
            platform: opts.user_agent_platform,
            browser: opts.user_agent_browser,
          },
          await chromeVersion(page),
          opts.window_width >= TABLET_MIN_WIDTH,
        )
      : undefined;
  const mobile = preset?.mobile ?? false;
  const windowAsPresented =
    opts.window_width === DEFAULT_WINDOW.width &&
    opts.window_height === DEFAULT_WINDOW.height &&
    opts.pixel_density === 1 &&
    !mobile;
  // The pool presents each page at the default window before a capture takes it: emulating the
  // same size again would only add a round trip before navigation.
  if (!windowAsPresented) {
    await page.setViewport({
      width: opts.window_width,
      height: opts.window_height,
      deviceScaleFactor: opts.pixel_density,
      isMobile: mobile,
      hasTouch: mobile,
    });
  }

  await applyUserAgent(page, opts, preset, cdp);
  const headers = { ...(opts.custom_headers ?? {}) };
  if (opts.locale && !Object.keys(headers).some((h) => h.toLowerCase() === 'accept-language')) {
    headers['Accept-Language'] = acceptLanguage(opts.locale);
  }
  if (Object.keys(headers).length) await page.setExtraHTTPHeaders(headers);

  if (opts.timezone) await page.emulateTimezone(opts.timezone);
  if (opts.locale) await (await cdp()).send('Emulation.setLocaleOverride', { locale: opts.locale });
  // a PDF is laid out for print from the first byte (scripts asking matchMedia('print') see it too)
  if (opts.format === 'pdf' || opts.media_type !== 'screen') await page.emulateMediaType(opts.media_type);
  if (opts.dark_mode) await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
  if (opts.ignore_https_errors) {
    // Per page, not browser-wide: other captures on the same browser still check certificates.
    await (await cdp()).send('Security.setIgnoreCertificateErrors', { ignore: true });
  }
  if (opts.geolocation) {
    // every origin of this capture's own context, so a redirect to another origin still sees it
    await context.setPermission('*', { permission: { name: 'geolocation' }, state: 'granted' });
    await page.setGeolocation({ accuracy: 10, ...opts.geolocation });
  }
  if (opts.cookies?.length) await setCookies(await cdp(), opts);
  await installRequestBlocking(page, blockingRulesOf(opts));
  if (!opts.javascript_enabled) await page.setJavaScriptEnabled(false);
  if (opts.styles) await applyStyles(page, opts.styles);
  const pageErrors = opts.fail_on_page_error ? PageErrorWatch.install(page) : undefined;

  const popups = await watchPopups(page, context, opts.block_popups);
  // consent rules run as page script: with scripts off there is nothing for them to do (or wait for)
  const consent =
    opts.block_cookie_banners && opts.javascript_enabled ? await ConsentBanners.install(page) : undefined;
  return { popups, consent, pageErrors };
}

/**
 * navigator.userAgent, the User-Agent header and client hints through
 * Puppeteer (which also covers frames in other processes), plus the
 * language list of navigator.languages, which only Emulation's override
 * carries, on the page itself.
 */
async function applyUserAgent(
  page: Page,
  opts: CaptureOptions,
  preset: UserAgentChoice | undefined,
  cdp: () => Promise<CDPSession>,
): Promise<void> {
  const userAgent = opts.user_agent ?? preset?.userAgent;
  // a custom user agent string says nothing about client hints: send none rather than contradict it
  const metadata = opts.user_agent ? undefined : preset?.metadata;
  const platform = opts.user_agent ? undefined : preset?.platform;
  if (userAgent) await page.setUserAgent({ userAgent, userAgentMetadata: metadata, platform });
  if (preset && !metadata && !opts.user_agent) {
    // Firefox and Safari have no navigator.userAgentData; Chrome would report an empty one
    await page.evaluateOnNewDocument(() => {
      delete (Navigator.prototype as { userAgentData?: unknown }).userAgentData;
    });
  }
  if (opts.locale) {
    await (
      await cdp()
    ).send('Emulation.setUserAgentOverride', {
      userAgent: userAgent ?? (await page.browser().userAgent()),
      userAgentMetadata: metadata,
      platform,
      acceptLanguage: acceptLanguage(opts.locale),
    });
  }
}

/** "de-DE" -> "de-DE,de": the header and navigator.languages a browser set to that locale has. */
export function acceptLanguage(locale: string): string {
  const language = locale.split('-')[0];
  return language && language !== locale ? `${locale},${language}` : locale;
}

/**
 * Cookies go into this capture's context before navigation. Without a
 * domain a cookie belongs to the target URL's host only (host-only, as if
 * the target had set it). One at a time, so a refused one is named.
 */
async function setCookies(cdp: CDPSession, opts: CaptureOptions): Promise<void> {
  for (const [i, c] of opts.cookies!.entries()) {
    try {
      await cdp.send('Network.setCookies', {
        cookies: [
          {
            name: c.name,
            value: c.value,
            ...(c.domain ? { domain: c.domain } : { url: opts.url }),
            path: c.path ?? '/',
            secure: c.secure,
            httpOnly: c.http_only,
            sameSite: c.same_site,
            expires: c.expires,
          },
        ],
      });
    } catch (err) {
      throw new ValidationError(`cookies.${i} was refused by the browser: ${pageErrorMessage(err)}`);
    }
  }
}
