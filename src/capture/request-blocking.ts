import type { HTTPRequest, Page } from 'puppeteer-core';
import type { ResourceType } from './dto/capture-control.dto';

/** What block_media stands for. */
export const MEDIA_RESOURCE_TYPES: readonly ResourceType[] = ['image', 'media', 'font'];

/**
 * Whether `url` matches `pattern` as a whole, `*` matching any run of
 * characters (none included). Iterative with one backtrack point (the last
 * `*`), so a hostile pattern like `*a*a*a*a*b` costs O(pattern x url) at
 * worst, never exponential as a regular expression of `.*` runs can be.
 */
export function matchesUrlPattern(pattern: string, url: string): boolean {
  let p = 0;
  let u = 0;
  let starP = -1; // position after the last `*` seen
  let starU = 0; // where that `*`'s run currently ends in the url
  while (u < url.length) {
    if (p < pattern.length && pattern[p] === '*') {
      starP = ++p;
      starU = u;
    } else if (p < pattern.length && pattern[p] === url[u]) {
      p++;
      u++;
    } else if (starP >= 0) {
      p = starP; // let the last `*` take one more character
      u = ++starU;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** The request-blocking rules of one capture: block_requests, block_resources and block_media together. */
export interface BlockingRules {
  patterns: string[];
  types: Set<string>;
}

/** The rules a capture asks for, or undefined when it blocks nothing (then no interception is enabled). */
export function blockingRulesOf(opts: {
  block_requests?: string[];
  block_resources?: ResourceType[];
  block_media?: boolean;
}): BlockingRules | undefined {
  const types = new Set<string>([
    ...(opts.block_resources ?? []),
    ...(opts.block_media ? MEDIA_RESOURCE_TYPES : []),
  ]);
  const patterns = opts.block_requests ?? [];
  return patterns.length || types.size ? { patterns, types } : undefined;
}

/** The first pattern that matches `url`, if any. */
export const patternMatching = (patterns: string[], url: string) =>
  patterns.find((pattern) => matchesUrlPattern(pattern, url));

/**
 * The one request-interception handler of a capture. Enabled only when the
 * capture blocks something: interception makes every request a round trip
 * through this process, and turns off the page's HTTP cache. A request of a
 * blocked resource type or matching a pattern fails as blocked by the client
 * (it never leaves the browser); the main document and its redirects always
 * go ahead.
 */
export async function installRequestBlocking(page: Page, rules: BlockingRules | undefined): Promise<void> {
  if (!rules) return;
  if (rules.types.has('websocket') || rules.patterns.length) await blockWebSockets(page, rules);
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    if (request.isInterceptResolutionHandled()) return;
    const blocked = !isMainDocument(page, request) && isBlocked(rules, request);
    void (blocked ? request.abort('blockedbyclient') : request.continue()).catch(() => undefined);
  });
}

const isMainDocument = (page: Page, request: HTTPRequest) =>
  request.isNavigationRequest() && request.frame() === page.mainFrame();

function isBlocked(rules: BlockingRules, request: HTTPRequest): boolean {
  if (rules.types.has(request.resourceType())) return true;
  return rules.patterns.length > 0 && patternMatching(rules.patterns, request.url()) !== undefined;
}

/**
 * Chrome's request interception never sees WebSocket handshakes (nor does
 * Network.setBlockedURLs): a blocked WebSocket is refused in the page
 * instead, by a WebSocket constructor that throws a SecurityError for a
 * blocked URL (every socket when the type is blocked), in every frame,
 * before the page's first script. Sockets opened by workers are not covered.
 */
async function blockWebSockets(page: Page, rules: BlockingRules): Promise<void> {
  // The page has none of this module's code: matchesUrlPattern goes in as its
  // source, in the script Puppeteer would build from a function and its arguments.
  const args = [
    matchesUrlPattern.toString(),
    JSON.stringify(rules.types.has('websocket')),
    JSON.stringify(rules.patterns),
  ];
  await page.evaluateOnNewDocument(`(${refuseBlockedWebSockets.toString()})(${args.join(', ')})`);
}

/** Runs in the page: replaces its WebSocket constructor by one that refuses blocked URLs. */
function refuseBlockedWebSockets(
  matches: (pattern: string, url: string) => boolean,
  blockAll: boolean,
  patterns: string[],
): void {
  const Native = window.WebSocket;
  const Blocking = new Proxy(Native, {
    construct(target, args: [string | URL, (string | string[])?], newTarget) {
      const url = new URL(String(args[0]), location.href).href;
      if (blockAll || patterns.some((pattern) => matches(pattern, url))) {
        throw new DOMException(`WebSocket to ${url} was blocked by the client`, 'SecurityError');
      }
      return Reflect.construct(target, args, newTarget) as WebSocket;
    },
  });
  Object.defineProperty(window, 'WebSocket', { value: Blocking, writable: true, configurable: true });
}
