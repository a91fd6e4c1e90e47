import { createHash, timingSafeEqual } from 'node:crypto';

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Compares two secrets in constant time: both sides are hashed first, so the
 * comparison always runs over 32 bytes and neither the length nor the first
 * differing character of the expected value shows in the timing.
 */
export function safeEqual(presented: string, expected: string): boolean {
  return timingSafeEqual(sha256(presented), sha256(expected));
}

/**
 * A short, stable id for a secret (token or signing key): the first 12 hex
 * characters of its SHA-256. Safe to log and to use as a rate-limit key; it
 * never reveals the secret.
 */
export function fingerprint(secret: string): string {
  return sha256(secret).toString('hex').slice(0, 12);
}
