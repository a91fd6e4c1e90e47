/** Extra Chrome flags other modules contribute (the egress proxy's, for one). */
export const BROWSER_EXTRA_ARGS = Symbol('BROWSER_EXTRA_ARGS');
