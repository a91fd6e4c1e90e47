// Imported first by main.ts: environment defaults that packages read once, when they load.
import { bindPuppeteerDebugChannels } from './browser-pool/cdp-channel';

// Puppeteer hands every CDP message (~100 per capture) to the `debug` package, which, unless
// DEBUG_COLORS is set, asks whether stderr is a terminal when it builds a logger: a syscall per
// message before the channels are bound below, and once per channel after.
process.env.DEBUG_COLORS ??= 'false';

// Before puppeteer-core loads: its protocol channels are taken when its connection module does.
bindPuppeteerDebugChannels();
