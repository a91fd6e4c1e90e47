import { Writable } from 'node:stream';
import createDebug from 'debug';
import { bindPuppeteerDebugChannels, coalesceWrites } from './cdp-channel';

describe('coalesceWrites', () => {
  /** A pipe that records each batch it is asked to write at once. */
  function recordingPipe() {
    const batches: string[][] = [];
    const pipe = new Writable({
      write(chunk: Buffer, _encoding, done) {
        batches.push([chunk.toString()]);
        done();
      },
      writev(chunks, done) {
        batches.push(chunks.map(({ chunk }) => (chunk as Buffer).toString()));
        done();
      },
    });
    return { pipe, batches };
  }

  it("sends a message and its NUL terminator, and the tick's other messages, as one batch", async () => {
    const { pipe, batches } = recordingPipe();
    coalesceWrites(pipe);
    pipe.write('{"id":1}');
    pipe.write('\0');
    pipe.write('{"id":2}');
    pipe.write('\0');
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([['{"id":1}', '\0', '{"id":2}', '\0']]);

    pipe.write('{"id":3}'); // a later tick: a batch of its own
    pipe.write('\0');
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([
      ['{"id":1}', '\0', '{"id":2}', '\0'],
      ['{"id":3}', '\0'],
    ]);
  });
});

describe('bindPuppeteerDebugChannels', () => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const puppeteerDebug = () =>
    require('puppeteer-core/internal/common/Debug.js') as {
      debug: (p: string) => (...a: unknown[]) => unknown;
    };

  afterEach(() => createDebug.disable());

  it("replaces Puppeteer's per-call async logger with one bound per channel, logging what it logged", () => {
    expect(bindPuppeteerDebugChannels()).toBe(true);
    const lines: unknown[][] = [];
    const channel = puppeteerDebug().debug('pixashot-test:protocol');
    const log = createDebug.log;
    createDebug.log = (...args: unknown[]) => void lines.push(args);
    try {
      expect(channel('{"id":1}')).toBeUndefined(); // synchronous: no promise per message
      expect(lines).toEqual([]); // the channel is off
      createDebug.enable('pixashot-test:*');
      channel('{"id":2}');
      expect(lines).toHaveLength(1);
      expect(String(lines[0][0])).toContain('pixashot-test:protocol');
      expect(String(lines[0][0])).toContain('{"id":2}');
    } finally {
      createDebug.log = log;
    }
  });
});
