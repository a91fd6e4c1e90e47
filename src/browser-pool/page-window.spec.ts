import type { Logger } from '@nestjs/common';
import type { Page } from 'puppeteer-core';
import { poolWindowArgs, presentDefaultWindow } from './page-window';

/** A page whose document reads `screen` as given (what a Chrome that honours --screen-info, or not, shows). */
const pageWithScreen = (screen: [number, number]) =>
  ({
    setViewport: jest.fn().mockResolvedValue(undefined),
    evaluateOnNewDocument: jest.fn().mockResolvedValue({ identifier: '1' }),
    evaluate: jest.fn().mockResolvedValue(screen),
  }) as unknown as Page;

describe('page window', () => {
  it('opens a tiny window on a screen of the default window', () => {
    expect(poolWindowArgs()).toEqual(['--window-size=16,16', '--screen-info={1920x1080}']);
  });

  it('reads the screen once per process, and warns only when Chrome ignored --screen-info', async () => {
    const logger = { warn: jest.fn() } as unknown as Logger;
    const first = pageWithScreen([16, 16]);
    await presentDefaultWindow(first, logger);
    expect(first.evaluate).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect((logger.warn as jest.Mock).mock.calls[0][0]).toMatch(/ignored --screen-info.*16x16/);
    // every later page is only prepared for the documents to come: its about:blank is never evaluated
    const later = pageWithScreen([16, 16]);
    await presentDefaultWindow(later, logger);
    expect(later.evaluate).not.toHaveBeenCalled();
    expect(later.evaluateOnNewDocument).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });

  it('does not warn when Chrome honours --screen-info', async () => {
    const logger = { warn: jest.fn() } as unknown as Logger;
    await jest.isolateModulesAsync(async () => {
      const { presentDefaultWindow: present } = await import('./page-window');
      const page = pageWithScreen([1920, 1080]);
      await present(page, logger);
      expect(page.evaluate).toHaveBeenCalledTimes(1);
    });
    expect(logger.warn).not.toHaveBeenCalled();
  });
});
