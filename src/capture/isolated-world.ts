import type { CDPSession } from 'puppeteer-core';

/**
 * Runs a function in an isolated world of the page's main frame: the same
 * DOM, but its own globals and prototypes, so a page that overrides
 * Math.max, Date.now, setTimeout or a scrollHeight getter cannot change what
 * the service's own code computes. Chrome's DevTools protocol only (public API).
 */
export async function evaluateIsolated<T>(
  session: CDPSession,
  fn: (...args: never[]) => unknown,
  ...args: unknown[]
): Promise<T> {
  const { frameTree } = await session.send('Page.getFrameTree');
  const { executionContextId } = await session.send('Page.createIsolatedWorld', {
    frameId: frameTree.frame.id,
    worldName: 'pixashot-isolated',
  });
  const { result, exceptionDetails } = await session.send('Runtime.callFunctionOn', {
    functionDeclaration: fn.toString(),
    executionContextId,
    arguments: args.map((value) => ({ value })),
    awaitPromise: true,
    returnByValue: true,
  });
  if (exceptionDetails) {
    throw new Error(exceptionDetails.exception?.description ?? exceptionDetails.text);
  }
  return result.value as T;
}
