/** Extra Chrome flags other modules contribute (the egress proxy's, for one). */
export const BROWSER_EXTRA_ARGS = Symbol('BROWSER_EXTRA_ARGS');

/**
 * Per-context network routing another module provides (the egress module: a
 * proxy address of its own for each browser context, so what the proxy sees
 * can be told apart by capture).
 */
export const BROWSER_CONTEXT_ROUTER = Symbol('BROWSER_CONTEXT_ROUTER');

export interface ContextRoute {
  /** What the router records this context's traffic under. */
  id: string;
  proxyServer: string;
  proxyBypassList: string[];
  /** Called once the context is closed (or was never opened). */
  close(): void;
}

export interface BrowserContextRouter {
  open(): Promise<ContextRoute>;
}
