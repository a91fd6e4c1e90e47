import { setTimeout as delay } from 'node:timers/promises';

/** Waits `ms`; rejects at once (AbortError) if `signal` aborts first. */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  delay(ms, undefined, signal ? { signal } : undefined);

/**
 * Settles with `work`, or when `ms` pass first, with `onTimeout()`: its value,
 * or its throw as a rejection. The one race against a timer (the request
 * deadline has its own, with the client's abort in it: Deadline.run). The
 * timer never holds the process open, and the loser never becomes an
 * unhandled rejection.
 */
async function race<T, U>(work: Promise<T>, ms: number, onTimeout: () => U): Promise<T | U> {
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<U>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(onTimeout());
      } catch (err) {
        reject(err as Error);
      }
    }, ms);
    timer.unref();
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Settles with `work`, or rejects with `onTimeout()` after `ms`. For Puppeteer
 * calls whose own timeout does not cover a hung page: `setContent` waits on a
 * script evaluation that a `while(1){}` in the content never lets return.
 */
export function within<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return race(work, ms, () => {
    throw onTimeout();
  });
}

/** `work`'s value, or undefined when it has not settled after `ms` (a rejection still rejects). */
export function settledWithin<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  return race(work, ms, () => undefined);
}
