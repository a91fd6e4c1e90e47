import { settledWithin, sleep } from './timing';

describe('timing', () => {
  it('settledWithin gives the value in time, undefined when late, and passes a rejection on', async () => {
    await expect(settledWithin(Promise.resolve(3), 1000)).resolves.toBe(3);
    await expect(settledWithin(new Promise(() => undefined), 20)).resolves.toBeUndefined();
    await expect(settledWithin(Promise.reject(new Error('no')), 1000)).rejects.toThrow('no');
  });

  it('sleep ends early, rejecting, when its signal aborts', async () => {
    const stop = new AbortController();
    const started = Date.now();
    const slept = sleep(10_000, stop.signal);
    stop.abort();
    await expect(slept).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
