import type { ElementHandle, Page } from 'puppeteer-core';
import { InteractionError, PixashotError } from '../common/errors';
import type { InteractionDto } from './dto/capture-parts.dto';
import { sleep } from '../common/timing';
import { isPuppeteerTimeout, pageErrorMessage } from './page-actions';

/** A step that could not be done; its message is what the client reads after "step N (...): ". */
class StepFailed extends Error {}

/** "click #buy", "type #q", "scroll 0,800", "wait_for selector #results": how error messages name a step. */
export function describeStep(step: InteractionDto): string {
  switch (step.action) {
    case 'scroll':
      return step.selector ? `scroll ${step.selector}` : `scroll ${step.x ?? 0},${step.y ?? 0}`;
    case 'wait_for': {
      const value = step.wait_for?.value;
      return `wait_for ${step.wait_for?.type ?? '?'}${value === undefined ? '' : ` ${value}`}`;
    }
    default:
      return `${step.action} ${step.selector ?? ''}`.trim();
  }
}

/**
 * Runs the steps in order against the loaded page. A step that fails stops
 * the capture with InteractionError "step <index> (<step>): <why>", index
 * being the step's position in `interactions` (0-based, like the
 * `interactions.<index>` of validation errors). `timeoutMs()` gives the
 * current bound of one wait (wait_for_timeout within the request deadline);
 * `beforeStep` runs before each step (the page back in front after a popup:
 * a hidden page neither paints nor runs the observers a click waits for).
 */
export async function runInteractions(
  page: Page,
  steps: InteractionDto[],
  timeoutMs: () => number,
  beforeStep: () => Promise<void> = async () => undefined,
): Promise<void> {
  for (const [index, step] of steps.entries()) {
    try {
      await beforeStep();
      await runStep(page, step, timeoutMs());
    } catch (err) {
      if (err instanceof PixashotError) throw err;
      const why = err instanceof StepFailed ? err.message : pageErrorMessage(err);
      throw new InteractionError(`step ${index} (${describeStep(step)}): ${why}`);
    }
  }
}

async function runStep(page: Page, step: InteractionDto, timeout: number): Promise<void> {
  switch (step.action) {
    case 'click':
      return withElement(page, step.selector!, timeout, (el) => el.click());
    case 'hover':
      return withElement(page, step.selector!, timeout, (el) => el.hover());
    case 'type':
      return withElement(page, step.selector!, timeout, (el) => el.type(step.text!));
    case 'scroll':
      if (step.selector) {
        await withElement(page, step.selector, timeout, (el) => el.scrollIntoView(), false);
      } else {
        await page.evaluate((x, y) => window.scrollTo(x, y), step.x ?? 0, step.y ?? 0);
      }
      return afterFrames(page); // scroll listeners and intersection observers run before the next step
    case 'wait_for':
      return waitFor(page, step, timeout);
  }
}

/** Waits up to `timeout` for the element (visible unless said otherwise), acts on it, lets it go. */
async function withElement(
  page: Page,
  selector: string,
  timeout: number,
  act: (el: ElementHandle<Element>) => Promise<unknown>,
  visible = true,
): Promise<void> {
  let el: ElementHandle<Element> | null;
  try {
    el = await page.waitForSelector(selector, { visible, timeout });
  } catch (err) {
    if (isPuppeteerTimeout(err)) {
      throw new StepFailed(
        `no ${visible ? 'visible ' : ''}element matches "${selector}" within ${timeout} ms`,
      );
    }
    throw err;
  }
  if (!el) throw new StepFailed(`no element matches "${selector}"`);
  let timer: NodeJS.Timeout | undefined;
  try {
    // a click on a page that stopped rendering would wait forever for the element to scroll into view
    const action = act(el);
    const stalled = new Promise<'stalled'>(
      (resolve) => (timer = setTimeout(() => resolve('stalled'), timeout)),
    );
    if ((await Promise.race([action, stalled])) === 'stalled') {
      action.catch(() => undefined);
      throw new StepFailed(`the action on "${selector}" did not complete within ${timeout} ms`);
    }
  } finally {
    clearTimeout(timer);
    await el.dispose().catch(() => undefined);
  }
}

async function waitFor(page: Page, step: InteractionDto, timeout: number): Promise<void> {
  const wait = step.wait_for!;
  switch (wait.type) {
    case 'timeout':
      return sleep(Math.min(Number(wait.value), timeout));
    case 'selector':
      try {
        await page.waitForSelector(String(wait.value), { visible: true, timeout });
      } catch (err) {
        if (isPuppeteerTimeout(err)) {
          throw new StepFailed(`"${wait.value}" did not become visible within ${timeout} ms`);
        }
        throw err;
      }
      return;
    case 'network_idle':
    case 'network_mostly_idle':
      // Like wait_for_network: a network that never goes quiet is not an error, the capture goes ahead.
      await page
        .waitForNetworkIdle({ idleTime: 500, concurrency: wait.type === 'network_idle' ? 0 : 2, timeout })
        .catch((err) => {
          if (!isPuppeteerTimeout(err)) throw err;
        });
      return;
  }
}

/** Two animation frames (or 100 ms, whichever comes first). */
async function afterFrames(page: Page): Promise<void> {
  await page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        setTimeout(resolve, 100);
        requestAnimationFrame(() => requestAnimationFrame(() => resolve()));
      }),
  );
}
