// Chrome flags that send every connection of the browser through the egress
// proxy. Checked against Chromium 156 (test/egress-chromium.e2e-spec.ts, and
// by dropping each flag in turn):
// - without the bypass rule, loopback targets went straight to the canary
//   (TCP, and WebTransport as QUIC over UDP);
// - without the WebRTC flags, STUN sent UDP straight to the canary and host
//   candidates were gathered;
// - with all of them, Chrome resolves no names itself for proxied requests
//   (its NetLog shows only cache/hosts-file lookups, no DNS transactions, and
//   no DNS prefetch), preconnects open connections to the proxy only,
//   WebTransport fails before sending anything, and when the proxy is down
//   requests fail (ERR_PROXY_CONNECTION_FAILED) instead of going direct.

/**
 * Chrome sends localhost, *.localhost, 127/8, [::1], 169.254/16 and fe80::/10
 * directly by default (its "implicit bypass rules"); this subtracts them, so
 * those go to the proxy too and get refused there. The same rule goes with
 * the proxy of each browser context.
 */
export const PROXY_BYPASS_RULES = ['<-loopback>'];

export function chromeProxyArgs(proxyUrl: string): string[] {
  return [
    `--proxy-server=${proxyUrl}`,
    `--proxy-bypass-list=${PROXY_BYPASS_RULES.join(',')}`,
    // WebRTC may otherwise send UDP (STUN/TURN, ICE) around the proxy; with
    // these only TURN over TCP remains, and it goes through the proxy.
    '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
    '--webrtc-ip-handling-policy=disable_non_proxied_udp',
    // QUIC is UDP, which an HTTP proxy cannot carry. Chrome 156 already uses
    // no QUIC with a proxy configured; this keeps it that way if that changes.
    '--disable-quic',
  ];
}
