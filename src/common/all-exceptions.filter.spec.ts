import { ArgumentsHost, InternalServerErrorException, Logger } from '@nestjs/common';
import { AllExceptionsFilter } from './all-exceptions.filter';
import { CapacityError, ElementNotFoundError, TimeoutError } from './errors';

/** What the client got: status, headers and the JSON body. */
interface Sent {
  status?: number;
  body?: Record<string, unknown>;
  headers: Record<string, string>;
  destroyed: boolean;
}

/** An ArgumentsHost over a fake Express request/response pair that records what was sent. */
function fakeHost(requestHeaders: Record<string, string> = {}): { host: ArgumentsHost; sent: Sent } {
  const sent: Sent = { headers: {}, destroyed: false };
  const req = { headers: requestHeaders };
  const res = {
    headersSent: false,
    status(code: number) {
      sent.status = code;
      return res;
    },
    json(body: Record<string, unknown>) {
      sent.body = JSON.parse(JSON.stringify(body)) as Record<string, unknown>; // what goes on the wire
      return res;
    },
    setHeader(name: string, value: string) {
      sent.headers[name.toLowerCase()] = value;
    },
    removeHeader(name: string) {
      delete sent.headers[name.toLowerCase()];
    },
    destroy() {
      sent.destroyed = true;
    },
  };
  const host = {
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => res, getNext: () => undefined }),
    getType: () => 'http',
    getArgs: () => [req, res],
    getArgByIndex: (i: number) => [req, res][i],
    switchToRpc: () => {
      throw new Error('not rpc');
    },
    switchToWs: () => {
      throw new Error('not ws');
    },
  } as unknown as ArgumentsHost;
  return { host, sent };
}

/** A real TypeError, as a bug in the capture path would throw it. */
function realTypeError(): TypeError {
  try {
    const missing = undefined as unknown as { secretField: { depth: number } };
    return missing.secretField as never;
  } catch (err) {
    return err as TypeError;
  }
}

describe('AllExceptionsFilter', () => {
  let filter: AllExceptionsFilter;
  let logged: jest.SpyInstance;

  beforeEach(() => {
    filter = new AllExceptionsFilter();
    logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => {
    logged.mockRestore();
  });

  const internal = new Error('secret internal detail at /srv/x.ts:12');
  const typeError = realTypeError();

  it.each([
    ['an Error', internal, ['secret', '/srv/x.ts', 'x.ts:12', 'detail at']],
    ['a TypeError', typeError, ['secretField', 'undefined', 'reading', 'TypeError']],
  ])(
    'answers %s with a generic 500 InternalError envelope that echoes nothing of it',
    (_what, error, leaks) => {
      const { host, sent } = fakeHost({ 'x-request-id': 'req-500-abc' });
      filter.catch(error, host);

      expect(sent.status).toBe(500);
      expect(sent.body).toEqual({
        status: 'error',
        message: 'Internal server error',
        error_type: 'InternalError',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        request_id: 'req-500-abc',
      });
      expect(Math.abs(Date.parse(sent.body!.timestamp as string) - Date.now())).toBeLessThan(60_000);
      expect(sent.headers['x-request-id']).toBe('req-500-abc');
      expect(sent.destroyed).toBe(false);

      const wire = JSON.stringify(sent.body);
      for (const fragment of [...leaks, error.message, error.name + ':']) {
        expect({ fragment, leaked: wire.includes(fragment) }).toEqual({ fragment, leaked: false });
      }
      // no stack frame either: neither a frame line nor a file of this repository
      for (const frame of (error.stack ?? '').split('\n').slice(1)) {
        expect(wire).not.toContain(frame.trim());
      }
      expect(wire).not.toMatch(/\bat \S+ \(|\.ts:\d+|node_modules|\/work\//);
    },
  );

  it('logs the unknown error itself, with the request id, so the detail is not lost', () => {
    const { host } = fakeHost({ 'x-request-id': 'req-log-1' });
    filter.catch(internal, host);
    expect(logged).toHaveBeenCalledTimes(1);
    expect(logged).toHaveBeenCalledWith(
      expect.objectContaining({ err: internal, request_id: 'req-log-1' }),
      expect.any(String),
    );
  });

  it('gives a request without X-Request-Id a fresh id, the same in the body, the header and the log', () => {
    const { host, sent } = fakeHost();
    filter.catch(typeError, host);
    const id = sent.body!.request_id as string;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(sent.headers['x-request-id']).toBe(id);
    expect(logged).toHaveBeenCalledWith(
      expect.objectContaining({ err: typeError, request_id: id }),
      expect.any(String),
    );
  });

  it('keeps the message of a 5xx HttpException out of the body too', () => {
    const { host, sent } = fakeHost({ 'x-request-id': 'req-http-500' });
    filter.catch(new InternalServerErrorException('db password hunter2 at /srv/db.ts:7'), host);
    expect(sent.status).toBe(500);
    expect(sent.body).toMatchObject({ error_type: 'InternalError', message: 'Internal server error' });
    expect(sent.body).not.toHaveProperty('error_details');
    expect(JSON.stringify(sent.body)).not.toMatch(/hunter2|db\.ts|password/);
    expect(logged).toHaveBeenCalledWith(
      expect.objectContaining({ request_id: 'req-http-500' }),
      expect.any(String),
    );
  });

  it.each([
    [
      'ElementNotFoundError',
      422,
      new ElementNotFoundError('No element matches "#missing"'),
      'Element not found',
    ],
    [
      'TimeoutError',
      504,
      new TimeoutError('The page did not finish loading within 1500 ms'),
      'Capture timed out',
    ],
  ])(
    'maps the domain error %s to %i with its type and client-safe details',
    (type, status, error, message) => {
      const { host, sent } = fakeHost({ 'x-request-id': 'req-domain' });
      filter.catch(error, host);
      expect(sent.status).toBe(status);
      expect(sent.body).toEqual({
        status: 'error',
        message,
        error_type: type,
        error_details: error.details,
        timestamp: expect.any(String),
        request_id: 'req-domain',
      });
      expect(logged).not.toHaveBeenCalled(); // an expected outcome, not a server fault
    },
  );

  it('answers a CapacityError 503 with Retry-After in the header and the body', () => {
    const { host, sent } = fakeHost();
    filter.catch(new CapacityError('queue is full', 3), host);
    expect(sent.status).toBe(503);
    expect(sent.headers['retry-after']).toBe('3');
    expect(sent.body).toMatchObject({
      error_type: 'CapacityError',
      retry_after: 3,
      error_details: 'queue is full',
    });
  });
});
