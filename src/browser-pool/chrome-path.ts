import { accessSync, constants } from 'node:fs';

/**
 * Where a system Chromium or Chrome usually lives, Debian's first. Debian's
 * `chromium-headless-shell` (the same Chromium, built for automation) comes
 * before the full browser: a new tab costs it ~26 ms of browser-process CPU
 * where the full browser's headless mode spends ~150 ms building a window
 * around each tab (see the README's Performance section).
 */
export const SYSTEM_CANDIDATES = [
  // the binary itself: Debian's /usr/bin/chromium-headless-shell is a sh wrapper without exec, so the
  // PID Puppeteer sees would be the shell's, not Chrome's
  '/usr/lib/chromium/chromium-headless-shell',
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
  '/opt/google/chrome/chrome',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

const isExecutable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * The Chrome binary (docs/operations.md, CHROME_PATH): CHROME_PATH if set, else a system
 * Chromium/Chrome, else one that the full `puppeteer` package downloaded (only
 * if it is installed; this project ships puppeteer-core and never downloads).
 */
export function resolveChromePath(configured?: string, candidates = SYSTEM_CANDIDATES): string {
  if (configured) {
    if (!isExecutable(configured)) throw new Error(`CHROME_PATH=${configured} is not an executable file`);
    return configured;
  }
  const system = candidates.find(isExecutable);
  if (system) return system;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const downloaded: string = require('puppeteer').executablePath();
    if (downloaded && isExecutable(downloaded)) return downloaded;
  } catch {
    // puppeteer (with its download) is not installed: fall through
  }
  throw new Error(
    'No Chrome found: set CHROME_PATH, or install Chromium (Debian: apt-get install -y chromium)',
  );
}

/** Puppeteer's `headless` for a binary: the headless shell has only the old headless mode. */
export const headlessModeFor = (chromePath: string): true | 'shell' =>
  /headless[-_]shell/.test(chromePath) ? 'shell' : true;

/**
 * The API's default window: every page the pool opens is presented at this size before a capture
 * gets it (page-window.ts), so a default capture sends no viewport emulation on its own path.
 */
export const DEFAULT_WINDOW = { width: 1920, height: 1080 } as const;

/**
 * Chrome's own sandbox is off unless CHROME_SANDBOX=true: it needs user
 * namespaces, which the container runtimes' default seccomp profiles (Docker,
 * containerd, the chart's RuntimeDefault) refuse to a process without
 * CAP_SYS_ADMIN, and Chrome refuses to run sandboxed as root. Where the
 * runtime allows them (seccomp Unconfined or a profile that permits user
 * namespaces) and the service runs as a non-root user, as the image does,
 * turn it on. See docs/security.md.
 */
export const chromeArgs = (sandbox: boolean): string[] =>
  sandbox ? BASE_CHROME_ARGS : ['--no-sandbox', ...BASE_CHROME_ARGS];

/**
 * Flags the pool adds for its own workload (the benchmark's floors, a plain warm tab, run without
 * them): without Chrome's sandbox, the network service's own process isolates nothing (it runs
 * unsandboxed, with the same rights, and carries every context's traffic anyway), so it runs in the
 * browser process: one process (~20 MiB) less per browser and no IPC hop for every request. With
 * the sandbox on, it stays a process of its own (docs/performance.md, "Chrome flags and isolation").
 */
export const poolChromeArgs = (sandbox: boolean): string[] =>
  sandbox ? [] : ['--enable-features=NetworkServiceInProcess2'];

/** Flags for a headless Chrome that stays off the network on its own (see chromeArgs for the sandbox). */
export const BASE_CHROME_ARGS = [
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-default-apps',
  '--disable-sync',
  '--disable-extensions',
  '--disable-breakpad',
  '--disable-domain-reliability',
  '--metrics-recording-only',
  '--mute-audio',
  '--hide-scrollbars',
  '--font-render-hinting=none',
  // The compositor's GPU work (software in headless) on a thread of the browser process instead of a
  // process of its own: a fresh context per capture then costs ~15% less CPU (docs/performance.md).
  '--in-process-gpu',
  // A page's JavaScript heap is capped well below the machine's memory: a script that allocates
  // without end crashes its own renderer at 1 GiB (the capture answers 502) instead of growing to V8's
  // default limit of several GiB while other captures share the machine.
  '--js-flags=--max-old-space-size=1024',
];
