import { createHash } from 'node:crypto';
import type { CaptureOptions } from '../capture/capture-options';

/** Bumped when the key's recipe or the stored entry's shape changes, so old entries are never misread. */
export const CACHE_KEY_VERSION = 'v1';

/**
 * Fields that do not change the captured bytes: how the answer is wrapped
 * (response_type) and how the cache itself is used (cache, cache_ttl).
 */
const NOT_IN_KEY = new Set(['cache', 'cache_ttl', 'response_type']);

/**
 * JSON with object keys sorted at every depth and undefined members dropped,
 * so `{a, b}` and `{b, a}` (and DTO class instances and plain objects) give
 * the same text. Array order is kept: interactions and cookies are sequences.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const members = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${members.join(',')}}`;
}

/**
 * The capture a request asks for, as canonical text: its resolved options
 * (parseCaptureRequest applied the template and the defaults, so `{url}` and
 * `{url, format: 'png'}` are one capture), the URL in its WHATWG form (`https://Example.com` is
 * `https://example.com/`), minus the fields of NOT_IN_KEY. Cookies, headers,
 * custom_js and interactions stay in, so a request that differs in any of
 * them never shares an entry with one that does not. Credentials are not part
 * of a capture request and never reach this text; the target is not fetched.
 */
export function canonicalCaptureRequest(options: CaptureOptions): string {
  const fields: Record<string, unknown> = { ...options };
  for (const field of NOT_IN_KEY) delete fields[field];
  if (typeof fields.url === 'string') fields.url = new URL(fields.url).href;
  return canonicalJson(fields);
}

/** The cache key of a request: SHA-256 (hex) of its canonical text, prefixed with the key version. */
export function captureCacheKey(options: CaptureOptions): string {
  const digest = createHash('sha256').update(canonicalCaptureRequest(options)).digest('hex');
  return `${CACHE_KEY_VERSION}:${digest}`;
}
