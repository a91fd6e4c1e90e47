import { ClientGoneError, Deadline } from './deadline';
import { within } from './timing';
import { TimeoutError } from './errors';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('Deadline', () => {
  it('rejects with ClientGoneError when the client aborts mid-run', async () => {
    const abort = new AbortController();
    const run = new Deadline(10_000, abort.signal).run(new Promise(() => undefined));
    abort.abort();
    await expect(run).rejects.toBeInstanceOf(ClientGoneError);
  });

  it('rejects with TimeoutError when the budget runs out', async () => {
    await expect(new Deadline(20).run(new Promise(() => undefined), 'waiting')).rejects.toThrow(
      'The request deadline passed during waiting',
    );
  });

  it('does not leave the work as an unhandled rejection when it refuses to start', async () => {
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const abort = new AbortController();
      abort.abort();
      let fail: (err: Error) => void = () => undefined;
      const work = new Promise((_, reject) => (fail = reject));
      await expect(new Deadline(10_000, abort.signal).run(work)).rejects.toBeInstanceOf(ClientGoneError);
      fail(new Error('the page went away later'));
      await nextTurn();
      await nextTurn();
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});

describe('within', () => {
  it('settles with the work when it is in time', async () => {
    await expect(within(Promise.resolve(7), 1000, () => new Error('late'))).resolves.toBe(7);
  });

  it('rejects with the given error when the work takes too long', async () => {
    await expect(
      within(new Promise(() => undefined), 20, () => new TimeoutError('too slow')),
    ).rejects.toThrow('too slow');
  });
});
