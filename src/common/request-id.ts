import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const CLIENT_ID = /^[\w.:-]{1,128}$/;

/**
 * The id a request is known by in logs and in the response: the caller's
 * X-Request-Id when it is a sane token, otherwise a fresh UUID.
 */
export function requestIdOf(req: IncomingMessage & { id?: unknown }): string {
  if (typeof req.id === 'string') return req.id;
  const offered = req.headers['x-request-id'];
  const id = typeof offered === 'string' && CLIENT_ID.test(offered) ? offered : randomUUID();
  req.id = id;
  return id;
}

/** Express middleware: fixes the id early and echoes it on every response. */
export function requestIdMiddleware(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  res.setHeader('X-Request-Id', requestIdOf(req));
  next();
}
