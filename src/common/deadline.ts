import { TimeoutError } from './errors';

/** Raised when the client went away: nobody is left to answer, so the exception filter drops the connection instead of answering. */
export class ClientGoneError extends Error {
  constructor() {
    super('client disconnected');
    this.name = 'ClientGoneError';
  }
}

/**
 * One request's time budget (REQUEST_TIMEOUT_MS from arrival, queue time
 * included) plus its abort signal (the client hung up). Every phase of a
 * capture runs through `run`, so none can outlive either.
 */
export class Deadline {
  readonly startedAt = Date.now();
  readonly at: number;

  constructor(
    budgetMs: number,
    readonly signal?: AbortSignal,
  ) {
    this.at = this.startedAt + budgetMs;
  }

  remaining(): number {
    return Math.max(0, this.at - Date.now());
  }

  /** Remaining time, but at most `ms`: for a Puppeteer timeout option. */
  cap(ms: number): number {
    return Math.max(1, Math.min(ms, this.remaining()));
  }

  check(): void {
    if (this.signal?.aborted) throw new ClientGoneError();
    if (this.remaining() <= 0) throw new TimeoutError('The request deadline passed');
  }

  /** Settles with `work`, or rejects when the deadline passes or the client disconnects first. */
  async run<T>(work: Promise<T>, what = 'capture'): Promise<T> {
    // The loser of the race must not become an unhandled rejection (that would end the process),
    // also when the check below throws before the race starts.
    work.catch(() => undefined);
    this.check();
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stop = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TimeoutError(`The request deadline passed during ${what}`)),
        this.remaining(),
      );
      onAbort = () => reject(new ClientGoneError());
      this.signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([work, stop]);
    } finally {
      clearTimeout(timer);
      if (onAbort) this.signal?.removeEventListener('abort', onAbort);
    }
  }
}
