import { createHash } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { resolveCaptureOptions } from '../capture/capture-options';
import { CaptureRequestDto } from '../capture/dto/capture-request.dto';

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
 * The capture a request asks for, as canonical text: the options after the
 * template and the defaults are applied (so `{url}` and `{url, format: 'png'}`
 * are one capture), the URL in its WHATWG form (`https://Example.com` is
 * `https://example.com/`), minus the fields of NOT_IN_KEY. Cookies, headers,
 * custom_js and interactions stay in, so a request that differs in any of
 * them never shares an entry with one that does not. Credentials are not part
 * of a capture request and never reach this text; the target is not fetched.
 */
export function canonicalCaptureRequest(request: CaptureRequestDto, config: AppConfig): string {
  const options: Record<string, unknown> = { ...resolveCaptureOptions(request, config) };
  for (const field of NOT_IN_KEY) delete options[field];
  if (typeof options.url === 'string') options.url = new URL(options.url).href;
  return canonicalJson(options);
}

/** The cache key of a request: SHA-256 (hex) of its canonical text, prefixed with the key version. */
export function captureCacheKey(request: CaptureRequestDto, config: AppConfig): string {
  const digest = createHash('sha256').update(canonicalCaptureRequest(request, config)).digest('hex');
  return `${CACHE_KEY_VERSION}:${digest}`;
}
