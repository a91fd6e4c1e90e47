/**
 * Who a request was admitted as; the auth guard decides it and the rate
 * limiter counts by it. Only ids of secrets are kept, never the secrets.
 */
export type Principal =
  /** A bearer token; `tokenId` is its fingerprint. */
  | { kind: 'token'; tokenId: string }
  /** A valid signed URL; `keyId` is the fingerprint of the signing secret. */
  | { kind: 'signed'; keyId: string }
  /** No credentials (the service runs open) or failed credentials: known by the client address. */
  | { kind: 'client'; ip: string };

const PRINCIPAL = Symbol('pixashot.principal');

type WithPrincipal = { [PRINCIPAL]?: Principal };

export function setPrincipal(req: object, principal: Principal): void {
  (req as WithPrincipal)[PRINCIPAL] = principal;
}

export function principalOf(req: object): Principal | undefined {
  return (req as WithPrincipal)[PRINCIPAL];
}
