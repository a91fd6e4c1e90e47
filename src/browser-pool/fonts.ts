import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Pixashot's fontconfig (fonts.conf beside this file, copied into dist/ by the
 * build): the system's configuration plus Noto preferences per language tag,
 * see the file's header. Chrome picks a fallback face per character through
 * fontconfig, so this file is what decides which face a script gets.
 */
export const PIXASHOT_FONTCONFIG = join(__dirname, 'fonts.conf');

/**
 * Environment for Chrome: FONTCONFIG_FILE pointing at Pixashot's file. The
 * caller spreads the process environment after it, so an operator's own
 * FONTCONFIG_FILE wins.
 */
export function fontconfigEnv(): Record<string, string> {
  return existsSync(PIXASHOT_FONTCONFIG) ? { FONTCONFIG_FILE: PIXASHOT_FONTCONFIG } : {};
}
