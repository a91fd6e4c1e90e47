import { chmodSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { resolveChromePath } from '../../src/browser-pool/chrome-path';

/**
 * A CHROME_PATH in `dir` that runs the service's own Chrome through a sh script: `guard` runs first
 * (it may `exit 1` to fail the launch), `args` go before Puppeteer's. The script has the real
 * binary's name, so the service picks the same headless mode for it (headlessModeFor).
 */
export function wrappedChrome(
  dir: string,
  { guard = '', args = [] }: { guard?: string; args?: string[] } = {},
): string {
  const real = resolveChromePath();
  const wrapper = join(dir, basename(real));
  const command = [real, ...args].map((word) => JSON.stringify(word)).join(' ');
  writeFileSync(wrapper, `#!/bin/sh\n${guard ? `${guard}\n` : ''}exec ${command} "$@"\n`);
  chmodSync(wrapper, 0o755);
  return wrapper;
}
