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

  it('warns once, and only when Chrome ignored --screen-info', async () => {
    const logger = { warn: jest.fn() } as unknown as Logger;
    await presentDefaultWindow(pageWithScreen([1920, 1080]), logger);
    expect(logger.warn).not.toHaveBeenCalled();
    await presentDefaultWindow(pageWithScreen([16, 16]), logger);
    await presentDefaultWindow(pageWithScreen([16, 16]), logger);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect((logger.warn as jest.Mock).mock.calls[0][0]).toMatch(/ignored --screen-info.*16x16/);
  });
});
