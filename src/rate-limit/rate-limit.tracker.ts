import { normalizeIp } from '@nestjs/throttler';
import { Principal } from '../auth/principal';

/**
 * The counter a request is charged to: its token, the signing key of its
 * signed URL, or its client address (the service runs open, or the
 * credentials failed). Tokens appear only as fingerprints. IPv6 clients are
 * grouped by /64, as one host usually holds a whole /64.
 */
export function trackerOf(principal: Principal): string {
  switch (principal.kind) {
    case 'token':
      return `token:${principal.tokenId}`;
    case 'signed':
      return `signed:${principal.keyId}`;
    case 'client':
      return `ip:${principal.ip ? normalizeIp(principal.ip) : 'unknown'}`;
  }
}
