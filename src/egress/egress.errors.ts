// Domain errors of the egress module. They know nothing about HTTP or the
// API's errors: EgressTargetGuard (the capture pipeline's TARGET_GUARD)
// turns EgressDeniedError into BlockedTargetError (403) and
// EgressLookupError into NavigationError (502).

/** The network policy refused the target (by its name, or by an address it resolved to). */
export class EgressDeniedError extends Error {
  override readonly name = 'EgressDeniedError';

  constructor(
    readonly host: string,
    readonly address: string | undefined,
    readonly reason: string,
  ) {
    super(`Egress to ${host}${address && address !== host ? ` (${address})` : ''} denied: ${reason}`);
  }
}

/** The target's name did not resolve (NXDOMAIN, SERVFAIL, timeout...). Not a policy decision. */
export class EgressLookupError extends Error {
  override readonly name = 'EgressLookupError';

  constructor(
    readonly host: string,
    readonly code: string | undefined,
  ) {
    super(`DNS lookup of ${host} failed${code ? ` (${code})` : ''}`);
  }
}
