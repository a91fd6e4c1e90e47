import { createHmac } from 'node:crypto';
import { safeEqual } from './secrets';

/**
 * Signed URLs for GET /capture (docs/security.md, Signed URLs): the query carries
 * `expires` (Unix seconds) and `signature` = base64url, unpadded, of
 * HMAC-SHA256(secret, canonical). The canonical form is every query
 * parameter except `signature` (so `expires` is signed too and cannot be
 * pushed back), sorted by name, each name and value percent-encoded with
 * encodeURIComponent, joined as name=value with "&".
 *
 * This file has no framework imports so scripts and other services can use it.
 */

/** The two query parameters that belong to the signature, not to the capture request. */
export const SIGNATURE_PARAMS = ['expires', 'signature'] as const;

/** A capture field as a query value: scalars as text, lists and objects as JSON. */
export type SignableValue = string | number | boolean | object | null | undefined;

export type ExpiryOption = { expiresIn: number } | { expires: number };

/** The string that is signed: see the file comment. */
export function canonicalQuery(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((name) => name !== 'signature')
    .sort()
    .map((name) => `${encodeURIComponent(name)}=${encodeURIComponent(params[name])}`)
    .join('&');
}

export function signatureOf(canonical: string, secret: string): string {
  return createHmac('sha256', secret).update(canonical, 'utf8').digest('base64url');
}

const asQueryText = (value: Exclude<SignableValue, null | undefined>): string =>
  typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : JSON.stringify(value);

/** `base` itself when it already ends in /capture, else base + /capture (keeps a path prefix). */
function captureEndpoint(base: string): string {
  const url = new URL(base);
  if (!/\/capture\/?$/.test(url.pathname)) url.pathname = url.pathname.replace(/\/?$/, '/capture');
  url.search = '';
  url.hash = '';
  return url.toString();
}

/**
 * Makes a signed GET /capture URL.
 *
 * @param baseUrl the service root (`http://localhost:8080`) or its /capture URL
 * @param params capture fields; null/undefined are left out, lists and objects become JSON
 * @param secret URL_SIGNING_SECRET of the service
 * @param expiry `{ expiresIn: seconds }` from now, or `{ expires: unixSeconds }`;
 *   the service refuses anything more than SIGNED_URL_MAX_TTL ahead
 */
export function signCaptureUrl(
  baseUrl: string,
  params: Record<string, SignableValue>,
  secret: string,
  expiry: ExpiryOption,
  nowMs = Date.now(),
): string {
  if (!secret) throw new Error('A signing secret is required');
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    if ((SIGNATURE_PARAMS as readonly string[]).includes(name)) {
      throw new Error(`"${name}" is set by the signer, not passed as a parameter`);
    }
    if (value !== null && value !== undefined) query[name] = asQueryText(value);
  }
  const expires = 'expires' in expiry ? expiry.expires : Math.floor(nowMs / 1000) + expiry.expiresIn;
  if (!Number.isInteger(expires) || expires <= 0) throw new Error('expires must be a positive whole number');
  query.expires = String(expires);
  const canonical = canonicalQuery(query);
  return `${captureEndpoint(baseUrl)}?${canonical}&signature=${signatureOf(canonical, secret)}`;
}

export type SignedQueryCheck = { valid: true; expires: number } | { valid: false; reason: string };

const invalid = (reason: string): SignedQueryCheck => ({ valid: false, reason });

/**
 * Checks a parsed query (Express's req.query: a string per parameter, an
 * array for a repeated one) against the secret. A repeated parameter is
 * refused: the canonical form of a list is ambiguous, so one could be smuggled in.
 * The signature is checked before the expiry, so the expiry reasons only
 * reach holders of a genuine URL (they are logged, never sent to the client).
 */
export function verifySignedQuery(
  query: Record<string, unknown>,
  secret: string,
  options: { maxTtlSeconds: number; nowMs?: number },
): SignedQueryCheck {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(query)) {
    if (typeof value !== 'string') return invalid(`parameter "${name}" is repeated`);
    params[name] = value;
  }
  const { expires, signature } = params;
  if (signature === undefined) return invalid('signature is missing');
  if (expires === undefined) return invalid('expires is missing');
  if (!safeEqual(signature, signatureOf(canonicalQuery(params), secret))) {
    return invalid('signature does not match');
  }
  if (!/^\d{1,12}$/.test(expires)) return invalid('expires is not a Unix time in seconds');
  const now = Math.floor((options.nowMs ?? Date.now()) / 1000);
  const at = Number(expires);
  if (at <= now) return invalid('the URL has expired');
  if (at - now > options.maxTtlSeconds) return invalid('expires is further ahead than SIGNED_URL_MAX_TTL');
  return { valid: true, expires: at };
}

export const hasSignatureParams = (query: Record<string, unknown>): boolean =>
  SIGNATURE_PARAMS.some((name) => query[name] !== undefined);

/** The query without `expires` and `signature`: what is left is the capture request. */
export function withoutSignatureParams<T extends Record<string, unknown>>(query: T): Partial<T> {
  const rest: Record<string, unknown> = { ...query };
  for (const name of SIGNATURE_PARAMS) delete rest[name];
  return rest as Partial<T>;
}
