import 'reflect-metadata';
import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  validateSync,
  ValidationError,
} from 'class-validator';
import { booleanOf, toList } from '../common/text-values';
import { NetworkPolicy } from '../egress/network-policy';

/** Env strings "true"/"1"/"yes" and "false"/"0"/"no" become booleans; anything else stays and fails. */
const toBoolean = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? (booleanOf(value.trim()) ?? value) : value;

const RATE_RULE = /^\s*\d+\s+per\s+(second|minute|hour)\s*$/i;

/**
 * The whole configuration of the service: one env variable per property,
 * validated at boot, defaults written here once. Property names are the
 * variable names so the README table, the Helm values and this file match.
 */
export class AppConfig {
  @Type(() => Number) @IsInt() @Min(1) @Max(65535) PORT = 8080;
  @IsString() HOST = '0.0.0.0';
  @IsIn(['development', 'production', 'test']) NODE_ENV: 'development' | 'production' | 'test' = 'production';
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL = 'info';

  // Browser pool
  @IsOptional() @IsString() CHROME_PATH?: string;
  /** Chrome's own sandbox (user namespaces; the service must not run as root). See chromeArgs. */
  @Transform(toBoolean) @IsBoolean() CHROME_SANDBOX = false;
  @Type(() => Number) @IsInt() @Min(0) @Max(32) BROWSER_POOL_MIN = 1;
  @Type(() => Number) @IsInt() @Min(1) @Max(32) BROWSER_POOL_MAX = 2;
  @Type(() => Number) @IsInt() @Min(1) @Max(64) BROWSER_MAX_CONCURRENT_PAGES = 4;
  @Type(() => Number) @IsInt() @Min(1) BROWSER_MAX_USES = 1000;
  /** How long a finished capture's context may wait to close for the next capture to start rendering (0: at once). */
  @Type(() => Number) @IsInt() @Min(0) @Max(10000) BROWSER_CLOSE_WAIT_MS = 150;
  @Type(() => Number) @IsInt() @Min(1000) BROWSER_LAUNCH_TIMEOUT_MS = 30000;

  // Capacity and deadlines
  @Type(() => Number) @IsInt() @Min(1) @Max(1024) MAX_CONCURRENT_CAPTURES = 4;
  @Type(() => Number) @IsInt() @Min(0) @Max(100000) MAX_QUEUE = 32;
  @Type(() => Number) @IsInt() @Min(1000) REQUEST_TIMEOUT_MS = 90000;
  @Type(() => Number) @IsInt() @Min(1000) MAX_WAIT_TIMEOUT_MS = 120000;
  @Type(() => Number) @IsInt() @Min(100) @Max(1_000_000) MAX_CAPTURE_HEIGHT = 16384;
  /**
   * Device pixels in one image (width x height x pixel_density²), whatever the page says about its size:
   * 40 M is a 1920 x 16384 full page at density 1 (~160 MB of raw bitmap in Chrome).
   */
  @Type(() => Number) @IsInt() @Min(100_000) @Max(500_000_000) MAX_CAPTURE_PIXELS = 40_000_000;
  /** Bytes of one PDF; a longer one is refused (422), a PDF cut at a byte count is no document. */
  @Type(() => Number) @IsInt() @Min(1024) MAX_PDF_BYTES = 50 * 1024 * 1024;
  /** Bytes of rendered HTML (format=html); longer output is cut and marked truncated. */
  @Type(() => Number) @IsInt() @Min(1024) MAX_HTML_OUTPUT_BYTES = 20 * 1024 * 1024;
  @Type(() => Number) @IsInt() @Min(1024) MAX_HTML_BYTES = 5 * 1024 * 1024;
  /** A request body (of an authenticated request) must arrive within this, or the answer is 408. */
  @Type(() => Number) @IsInt() @Min(1000) REQUEST_BODY_TIMEOUT_MS = 30000;
  @Type(() => Number) @IsInt() @Min(0) SHUTDOWN_GRACE_MS = 30000;
  /**
   * Fair admission: the share (percent) of the running slots and of the queue one principal (a token,
   * the signing key, an address when open) may hold, so a caller whose pages never finish cannot
   * take them all. At least one slot and one queue place each.
   */
  @Type(() => Number) @IsInt() @Min(1) @Max(100) MAX_PRINCIPAL_SHARE = 50;
  /** Signed URLs are shared by everyone who has one: each client address gets at most this many slots. */
  @Type(() => Number) @IsInt() @Min(1) MAX_SIGNED_PER_IP = 2;

  // Authentication
  @IsOptional() @IsString() AUTH_TOKEN?: string;
  @IsOptional() @IsString() AUTH_TOKENS?: string;
  @IsOptional() @IsString() URL_SIGNING_SECRET?: string;
  @Type(() => Number) @IsInt() @Min(1) SIGNED_URL_MAX_TTL = 86400;

  // Rate limiting
  @Transform(toBoolean) @IsBoolean() RATE_LIMIT_ENABLED = true;
  @Matches(RATE_RULE, { message: 'RATE_LIMIT_CAPTURE must look like "5 per second|minute|hour"' })
  RATE_LIMIT_CAPTURE = '5 per second';
  @Matches(RATE_RULE, { message: 'RATE_LIMIT_SIGNED must look like "10 per second|minute|hour"' })
  RATE_LIMIT_SIGNED = '10 per second';
  @IsOptional() @IsString() TRUST_PROXY?: string;
  @IsOptional()
  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must start with redis:// or rediss://' })
  REDIS_URL?: string;

  // Network policy
  @IsOptional() @IsString() NETWORK_ALLOW?: string;
  @IsOptional() @IsString() NETWORK_DENY?: string;

  // Page helpers
  @Transform(toBoolean) @IsBoolean() USE_POPUP_BLOCKER = true;
  @Transform(toBoolean) @IsBoolean() USE_COOKIE_BLOCKER = false;

  // Operations
  @Transform(toBoolean) @IsBoolean() METRICS_ENABLED = true;
  /** /metrics asks for a bearer token (one of AUTH_TOKEN(S)) like /capture; for internet-facing installs. */
  @Transform(toBoolean) @IsBoolean() METRICS_AUTH = false;
  @Transform(toBoolean) @IsBoolean() DOCS_ENABLED = true;

  // Response cache
  @Type(() => Number) @IsInt() @Min(0) CACHE_MAX_SIZE = 500;
  @Type(() => Number) @IsInt() @Min(0) CACHE_MAX_BYTES = 256 * 1024 * 1024;
  @Type(() => Number) @IsInt() @Min(1) CACHE_MAX_TTL = 86400;
  @Type(() => Number) @IsInt() @Min(1) CACHE_DEFAULT_TTL = 3600;
  /** Captures larger than this are answered but never stored (a 40 MB PDF must not evict everything). */
  @Type(() => Number) @IsInt() @Min(1) CACHE_MAX_ENTRY_BYTES = 10 * 1024 * 1024;

  // Asynchronous captures (need REDIS_URL)
  /** false keeps Redis for the cache and rate limits only: the /captures routes answer 503 and readiness ignores Redis. */
  @Transform(toBoolean) @IsBoolean() ASYNC_ENABLED = true;
  /** Jobs this replica runs at once, in the capture slots synchronous requests leave free; 0 = submit only. */
  @Type(() => Number) @IsInt() @Min(0) @Max(1024) ASYNC_CONCURRENCY = 2;
  /** Attempts of a capture whose failure is the service's own (browser crash, capacity). */
  @Type(() => Number) @IsInt() @Min(1) @Max(20) JOB_MAX_ATTEMPTS = 3;
  /** Seconds a job, its result and its idempotency key are kept. */
  @Type(() => Number) @IsInt() @Min(60) JOB_RESULT_TTL = 86400;
  @Type(() => Number) @IsInt() @Min(1024) JOB_MAX_RESULT_BYTES = 10 * 1024 * 1024;
  /** A job whose replica stopped renewing its lock for this long is handed to another replica. */
  @Type(() => Number) @IsInt() @Min(1000) JOB_STALLED_INTERVAL_MS = 30000;
  @IsOptional() @IsString() WEBHOOK_SIGNING_SECRET?: string;
  @Type(() => Number) @IsInt() @Min(1) @Max(20) WEBHOOK_MAX_ATTEMPTS = 5;
  @Type(() => Number) @IsInt() @Min(100) WEBHOOK_TIMEOUT_MS = 10000;
  /** Like NETWORK_ALLOW, for webhook targets only (they are usually internal services). */
  @IsOptional() @IsString() WEBHOOK_ALLOW?: string;
  @IsOptional() @IsString() STORAGE_S3_BUCKET?: string;
  @IsOptional() @IsString() STORAGE_S3_ENDPOINT?: string;
  @IsOptional() @IsString() STORAGE_S3_REGION?: string;

  /** Asynchronous captures run when Redis is configured and ASYNC_ENABLED is not false. */
  get asyncEnabled(): boolean {
    return this.ASYNC_ENABLED && !!this.REDIS_URL;
  }

  /** Every configured bearer token: AUTH_TOKEN plus the AUTH_TOKENS list. */
  get authTokens(): string[] {
    return [...new Set([...toList(this.AUTH_TOKEN), ...toList(this.AUTH_TOKENS)])];
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Variables whose values never appear in a message or a log. */
export const SECRET_VARIABLES = ['AUTH_TOKEN', 'AUTH_TOKENS', 'URL_SIGNING_SECRET', 'REDIS_URL'] as const;

/** Shortest bearer token or signing secret accepted: 32 characters (~190 bits from a random alphabet). */
export const MIN_SECRET_LENGTH = 32;

/** One line per bad variable, quoting what was given, unless it is a secret. */
const describeProblems = (errors: ValidationError[], env: Record<string, string | undefined>): string[] =>
  errors.map((e) => {
    const given = (SECRET_VARIABLES as readonly string[]).includes(e.property)
      ? '(value hidden)'
      : JSON.stringify(env[e.property]);
    return `${e.property}=${given}: ${Object.values(e.constraints ?? {}).join(', ')}`;
  });

/**
 * Fail closed: a credential variable that is present but holds nothing
 * (AUTH_TOKEN="" from an unset shell variable, AUTH_TOKENS=" , ") would
 * otherwise start the service open; a short secret can be guessed. The
 * message names the variable, never the value.
 */
function secretProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  for (const name of ['AUTH_TOKEN', 'AUTH_TOKENS'] as const) {
    const value = env[name];
    if (value === undefined) continue;
    const tokens = toList(value);
    if (tokens.length === 0) {
      problems.push(
        `${name} is set but holds no token: unset it to run open, or give tokens of at least ${MIN_SECRET_LENGTH} characters`,
      );
    }
    tokens.forEach((token, i) => {
      if (token.length < MIN_SECRET_LENGTH) {
        const which = name === 'AUTH_TOKENS' ? `token ${i + 1} of AUTH_TOKENS` : 'AUTH_TOKEN';
        problems.push(`${which} is ${token.length} characters: at least ${MIN_SECRET_LENGTH} required`);
      }
    });
  }
  const secret = env.URL_SIGNING_SECRET;
  if (secret !== undefined && secret.trim().length < MIN_SECRET_LENGTH) {
    problems.push(
      `URL_SIGNING_SECRET is ${secret.trim().length} characters: at least ${MIN_SECRET_LENGTH} required (unset it to turn signed URLs off)`,
    );
  }
  return problems;
}

/**
 * Builds the typed config from an env object (process.env in production, a
 * literal in tests). Unknown variables are ignored; empty strings count as
 * unset, except for the credentials (see secretProblems).
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const known = Object.keys(new AppConfig());
  const picked = Object.fromEntries(
    known.filter((k) => env[k] !== undefined && env[k] !== '').map((k) => [k, env[k]]),
  );
  const config = plainToInstance(AppConfig, picked);
  const problems = describeProblems(validateSync(config, { stopAtFirstError: true }), env);
  problems.push(...secretProblems(env));
  problems.push(
    ...NetworkPolicy.validate({ allow: toList(config.NETWORK_ALLOW), deny: toList(config.NETWORK_DENY) }),
    ...NetworkPolicy.validate({ allow: toList(config.WEBHOOK_ALLOW), deny: [] }).map((p) =>
      p.replace(/^NETWORK_ALLOW/, 'WEBHOOK_ALLOW'),
    ),
  );
  if (problems.length) throw new ConfigError(problems);
  if (config.BROWSER_POOL_MIN > config.BROWSER_POOL_MAX) {
    problems.push(`BROWSER_POOL_MIN=${config.BROWSER_POOL_MIN}: must not exceed BROWSER_POOL_MAX`);
  }
  const slots = config.BROWSER_POOL_MAX * config.BROWSER_MAX_CONCURRENT_PAGES;
  if (config.MAX_CONCURRENT_CAPTURES > slots) {
    problems.push(
      `MAX_CONCURRENT_CAPTURES=${config.MAX_CONCURRENT_CAPTURES}: must not exceed BROWSER_POOL_MAX x BROWSER_MAX_CONCURRENT_PAGES (${slots})`,
    );
  }
  if (config.CACHE_DEFAULT_TTL > config.CACHE_MAX_TTL) {
    problems.push(
      `CACHE_DEFAULT_TTL=${config.CACHE_DEFAULT_TTL}: must not exceed CACHE_MAX_TTL (${config.CACHE_MAX_TTL})`,
    );
  }
  if (config.METRICS_AUTH && config.authTokens.length === 0) {
    problems.push('METRICS_AUTH=true: needs AUTH_TOKEN or AUTH_TOKENS (the token /metrics asks for)');
  }
  if (problems.length) throw new ConfigError(problems);
  return config;
}

/** Parses "N per second|minute|hour" into a limit and a window in milliseconds. */
export function parseRateRule(rule: string): { limit: number; ttlMs: number } {
  const [count, , unit] = rule.trim().toLowerCase().split(/\s+/);
  const unitMs = { second: 1000, minute: 60_000, hour: 3_600_000 }[unit as 'second' | 'minute' | 'hour'];
  return { limit: Number(count), ttlMs: unitMs };
}
