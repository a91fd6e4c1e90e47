import type { BrowserContext, Page } from 'puppeteer-core';
import type { CaptureOptions } from './capture-options';

/**
 * Context settings, applied before the first byte of the target is loaded
 * so the page sees them from the start: viewport and density, user agent,
 * headers, cookies, geolocation, timezone, locale, dark mode, media blocking.
 */
export async function applyContextSettings(
  page: Page,
  context: BrowserContext,
  opts: CaptureOptions,
): Promise<void> {
  await page.setViewport({
    width: opts.window_width,
    height: opts.window_height,
    deviceScaleFactor: opts.pixel_density,
  });
  // Alerts and confirms would block the page forever: answer them at once.
  page.on('dialog', (dialog) => void dialog.dismiss().catch(() => undefined));

  if (opts.user_agent) await page.setUserAgent(opts.user_agent);
  const headers = { ...(opts.custom_headers ?? {}) };
  if (opts.locale && !Object.keys(headers).some((h) => h.toLowerCase() === 'accept-language')) {
    headers['Accept-Language'] = opts.locale;
  }
  if (Object.keys(headers).length) await page.setExtraHTTPHeaders(headers);
  if (opts.timezone) await page.emulateTimezone(opts.timezone);
  if (opts.locale) {
    const cdp = await page.createCDPSession();
    await cdp.send('Emulation.setLocaleOverride', { locale: opts.locale });
  }
  if (opts.dark_mode) await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
  if (opts.geolocation) {
    const origin = opts.url ? new URL(opts.url).origin : undefined;
    if (origin) await context.overridePermissions(origin, ['geolocation']);
    await page.setGeolocation({ accuracy: 10, ...opts.geolocation });
  }
  if (opts.cookies?.length) {
    await page.setCookie(
      ...opts.cookies.map((c) => ({
        name: c.name,
        value: c.value,
        ...(c.domain ? { domain: c.domain } : { url: opts.url }),
        path: c.path ?? '/',
        secure: c.secure,
        httpOnly: c.http_only,
        sameSite: c.same_site,
        expires: c.expires,
      })),
    );
  }
  if (opts.block_media) {
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      if (request.isInterceptResolutionHandled()) return;
      const blocked = ['image', 'media', 'font'].includes(request.resourceType());
      void (blocked ? request.abort('blockedbyclient') : request.continue()).catch(() => undefined);
    });
  }
}
