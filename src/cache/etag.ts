import { createHash } from 'node:crypto';
import type { CaptureMetadata } from '../capture/capture.types';

/**
 * A strong ETag for one representation of a capture. The raw bytes
 * (by_format, empty) are named by their SHA-256; the JSON wrapping also
 * carries the metadata, so its tag is a hash of the body hash and the
 * metadata: same bytes and metadata, same tag, and never the tag of the
 * raw variant.
 */
export function etagOf(bodySha256: string, responseType: string, metadata: CaptureMetadata): string {
  if (responseType !== 'json') return `"${bodySha256}"`;
  const tag = createHash('sha256').update(bodySha256).update(JSON.stringify(metadata)).digest('base64url');
  return `"j-${tag}"`;
}

/**
 * Whether an If-None-Match header names `etag`: a comma list of tags, weak
 * ones (W/) compared by their opaque part as RFC 9110 asks, or `*`.
 */
export function ifNoneMatchHits(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const text = Array.isArray(header) ? header.join(',') : header;
  return text
    .split(',')
    .map((tag) => tag.trim())
    .some((tag) => tag === '*' || tag.replace(/^W\//, '') === etag);
}
