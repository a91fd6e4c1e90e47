/**
 * The environment Chrome is started with: what it needs to find its files,
 * fonts and locale, and nothing of the service's own. Every page Chrome
 * renders is hostile, and a renderer exploit reads its process environment
 * first: AUTH_TOKEN(S), URL_SIGNING_SECRET, REDIS_URL (with its password) and
 * every other variable of the app stay out of it.
 */
const KEPT_NAMES = new Set(['HOME', 'PATH', 'TMPDIR', 'TZ', 'LANG', 'LANGUAGE', 'USER', 'LOGNAME']);
/** Locale categories, XDG base directories, fontconfig's file and path. */
const KEPT_PREFIXES = ['LC_', 'XDG_', 'FONTCONFIG_'];

const kept = (name: string) => KEPT_NAMES.has(name) || KEPT_PREFIXES.some((p) => name.startsWith(p));

/**
 * Chrome's environment from the service's: the allowed variables only, plus
 * `PIXASHOT_POOL_ID`, the marker every Chrome process of one pool inherits
 * (shutdown and the tests find the pool's processes by it).
 */
export function chromeEnvironment(
  env: Record<string, string | undefined>,
  poolId: string,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && kept(name)) result[name] = value;
  }
  result.PIXASHOT_POOL_ID = poolId;
  return result;
}
