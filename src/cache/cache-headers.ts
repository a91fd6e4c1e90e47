import type { Request, Response } from 'express';
import type { ServedCapture } from './capture-cache.service';
import { etagOf, ifNoneMatchHits } from './etag';

/**
 * Writes the cache headers of a capture response: X-Cache, a strong ETag,
 * Cache-Control (`private, max-age=<seconds left>`, or `no-store` for a
 * capture the cache did not take part in) and, on a hit, Server-Timing
 * `cache;dur=N`. When the client's If-None-Match already names this
 * representation it answers 304 without a body and returns true.
 */
export function writeCacheHeaders(
  req: Request,
  res: Response,
  served: ServedCapture,
  responseType: string,
): boolean {
  res.setHeader('X-Cache', served.cache);
  res.setHeader(
    'Cache-Control',
    served.cache === 'BYPASS' ? 'no-store' : `private, max-age=${served.maxAgeSeconds}`,
  );
  if (served.cache === 'HIT') res.setHeader('Server-Timing', `cache;dur=${served.lookupMs}`);
  if (responseType === 'empty') return false; // 204: no representation to name
  const etag = etagOf(served.bodySha256, responseType, served.result.metadata);
  res.setHeader('ETag', etag);
  if (!ifNoneMatchHits(req.headers['if-none-match'], etag)) return false;
  res.status(304).end();
  return true;
}
