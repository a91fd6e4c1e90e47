// Imported first by main.ts: environment defaults that packages read once, when they load.

// Puppeteer hands every CDP message (~100 per capture) to the `debug` package, which builds a logger
// per message and, unless DEBUG_COLORS is set, asks each time whether stderr is a terminal: a syscall
// per message. With colours decided, only the cheap "is this channel enabled" check is left.
process.env.DEBUG_COLORS ??= 'false';
