import { createHash, timingSafeEqual } from 'node:crypto';
import { fingerprint } from './secrets';

interface KnownToken {
  digest: Buffer;
  id: string;
}

/**
 * The configured bearer tokens, kept only as SHA-256 digests. A presented
 * token is compared against every one of them in constant time, with no
 * early exit, so the timing says neither which token matched nor how close
 * a guess came.
 */
export class TokenMatcher {
  private readonly known: KnownToken[];

  constructor(tokens: string[]) {
    this.known = tokens.map((token) => ({ digest: digestOf(token), id: fingerprint(token) }));
  }

  get configured(): boolean {
    return this.known.length > 0;
  }

  /** Fingerprints of the configured tokens, for the start-up log. */
  get ids(): string[] {
    return this.known.map((t) => t.id);
  }

  /** The id of the matching token, or undefined. */
  match(presented: string): string | undefined {
    const digest = digestOf(presented);
    let matched: string | undefined;
    for (const token of this.known) {
      // every token is compared, also after a match
      if (timingSafeEqual(digest, token.digest)) matched = token.id;
    }
    return matched;
  }
}

const digestOf = (value: string) => createHash('sha256').update(value, 'utf8').digest();
