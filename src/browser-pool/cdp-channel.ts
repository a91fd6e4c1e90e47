// How the API talks to Chrome: Puppeteer's CDP connection over Chrome's pipe.
// Two of its per-message costs are trimmed here without touching Puppeteer:
// ~100 CDP messages go each way per capture, so each per-message cost counts.
import type { Writable } from 'node:stream';
import createDebug from 'debug';

/**
 * Puppeteer writes each CDP message as two writes on the pipe (the JSON, then
 * its NUL terminator): two syscalls and two wake-ups of Chrome's IO thread per
 * message. Corked until the end of the tick, a message and its terminator, and
 * every other message sent in the same tick, leave as one writev.
 */
export function coalesceWrites(pipe: Writable): void {
  const write = pipe.write;
  pipe.write = function (this: Writable, ...args: Parameters<Writable['write']>) {
    if (!this.writableCorked) {
      this.cork();
      process.nextTick(() => this.uncork());
    }
    return write.apply(this, args);
  } as Writable['write'];
}

/** What Puppeteer's `debug(prefix)` returns: a logger for one channel. */
type DebugChannel = (...logArgs: unknown[]) => void;

/**
 * In Node, Puppeteer's `debug(prefix)` returns an async function that, on
 * every call, awaits the `debug` package and builds a new logger for its
 * channel: two promises and a logger per CDP message sent or received, even
 * when no channel is enabled. This binds each channel's logger once, and
 * writes what Puppeteer wrote when its channel is enabled (DEBUG=puppeteer:*).
 * Puppeteer takes its protocol channels when its connection module loads, so
 * this must run before puppeteer-core is first imported (main.ts does it
 * first). Returns false when Puppeteer's debug module is not where it was.
 */
export function bindPuppeteerDebugChannels(): boolean {
  let module: { debug?: (prefix: string) => DebugChannel };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    module = require('puppeteer-core/internal/common/Debug.js');
  } catch {
    return false;
  }
  if (typeof module.debug !== 'function') return false;
  module.debug = (prefix: string): DebugChannel => {
    const channel = createDebug(prefix);
    return (...logArgs: unknown[]) => {
      if (channel.enabled) channel(logArgs);
    };
  };
  return true;
}
