import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  chromeArgs,
  headlessModeFor,
  poolChromeArgs,
  resolveChromePath,
  SYSTEM_CANDIDATES,
} from './chrome-path';

describe('resolveChromePath', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chrome-path-'));
  const executable = (name: string) => {
    const path = join(dir, name);
    writeFileSync(path, '#!/bin/sh\n');
    chmodSync(path, 0o755);
    return path;
  };
  const shell = executable('chromium-headless-shell');
  const full = executable('chromium');
  const notExecutable = join(dir, 'plain-file');
  writeFileSync(notExecutable, '');

  it('takes CHROME_PATH over every system candidate', () => {
    expect(resolveChromePath(full, [shell, full])).toBe(full);
  });

  it('refuses a CHROME_PATH that is not an executable file', () => {
    expect(() => resolveChromePath(notExecutable, [shell])).toThrow(/CHROME_PATH=.*not an executable/);
  });

  it('takes the first system candidate that is executable', () => {
    expect(resolveChromePath(undefined, [join(dir, 'missing'), notExecutable, shell, full])).toBe(shell);
  });

  it('looks for the headless shell binary (not its wrapper) before the full browser', () => {
    const shellAt = SYSTEM_CANDIDATES.indexOf('/usr/lib/chromium/chromium-headless-shell');
    expect(shellAt).toBeGreaterThanOrEqual(0);
    expect(shellAt).toBeLessThan(SYSTEM_CANDIDATES.indexOf('/usr/bin/chromium'));
    expect(SYSTEM_CANDIDATES).not.toContain('/usr/bin/chromium-headless-shell');
  });
});

describe('headlessModeFor', () => {
  it('runs the headless shell in its own (old) headless mode and full Chrome in the new one', () => {
    expect(headlessModeFor('/usr/lib/chromium/chromium-headless-shell')).toBe('shell');
    expect(headlessModeFor('/opt/chrome-headless-shell/linux64/chrome-headless-shell')).toBe('shell');
    expect(headlessModeFor('/usr/bin/chromium')).toBe(true);
    expect(headlessModeFor('/usr/bin/google-chrome-stable')).toBe(true);
  });
});

describe('chromeArgs', () => {
  it("turns Chrome's sandbox off by default and on with CHROME_SANDBOX", () => {
    expect(chromeArgs(false)).toContain('--no-sandbox');
    expect(chromeArgs(true)).not.toContain('--no-sandbox');
    expect(chromeArgs(true)).toContain('--js-flags=--max-old-space-size=1024');
  });

  it("keeps the network service in a process of its own only under Chrome's sandbox", () => {
    expect(poolChromeArgs(false)).toEqual(['--enable-features=NetworkServiceInProcess2']);
    expect(poolChromeArgs(true)).toEqual([]);
  });
});
