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
  @Type(() => Number) @IsInt() @Min(0) @Max(32) BROWSER_POOL_MIN = 1;
  @Type(() => Number) @IsInt() @Min(1) @Max(32) BROWSER_POOL_MAX = 2;
  @Type(() => Number) @IsInt() @Min(1) @Max(64) BROWSER_MAX_CONCURRENT_PAGES = 4;
  @Type(() => Number) @IsInt() @Min(1) BROWSER_MAX_USES = 200;
  @Type(() => Number) @IsInt() @Min(1000) BROWSER_LAUNCH_TIMEOUT_MS = 30000;

  // Capacity and deadlines
  @Type(() => Number) @IsInt() @Min(1) @Max(1024) MAX_CONCURRENT_CAPTURES = 4;
  @Type(() => Number) @IsInt() @Min(0) @Max(100000) MAX_QUEUE = 32;
  @Type(() => Number) @IsInt() @Min(1000) REQUEST_TIMEOUT_MS = 90000;
  @Type(() => Number) @IsInt() @Min(1000) MAX_WAIT_TIMEOUT_MS = 120000;
  @Type(() => Number) @IsInt() @Min(100) @Max(1_000_000) MAX_CAPTURE_HEIGHT = 16384;
  @Type(() => Number) @IsInt() @Min(1024) MAX_HTML_BYTES = 5 * 1024 * 1024;
  @Type(() => Number) @IsInt() @Min(0) SHUTDOWN_GRACE_MS = 30000;

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
  @Transform(toBoolean) @IsBoolean() DOCS_ENABLED = true;

  // Response cache
  @Type(() => Number) @IsInt() @Min(0) CACHE_MAX_SIZE = 500;
  @Type(() => Number) @IsInt() @Min(0) CACHE_MAX_BYTES = 256 * 1024 * 1024;
  @Type(() => Number) @IsInt() @Min(1) CACHE_MAX_TTL = 86400;
  @Type(() => Number) @IsInt() @Min(1) CACHE_DEFAULT_TTL = 3600;
  /** Captures larger than this are answered but never stored (a 40 MB PDF must not evict everything). */
  @Type(() => Number) @IsInt() @Min(1) CACHE_MAX_ENTRY_BYTES = 10 * 1024 * 1024;

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

/** One line per bad variable, quoting what was given. */
const describeProblems = (errors: ValidationError[], env: Record<string, string | undefined>): string[] =>
  errors.map(
    (e) =>
      `${e.property}=${JSON.stringify(env[e.property])}: ${Object.values(e.constraints ?? {}).join(', ')}`,
  );

/**
 * Builds the typed config from an env object (process.env in production, a
 * literal in tests). Unknown variables are ignored; empty strings count as unset.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const known = Object.keys(new AppConfig());
  const picked = Object.fromEntries(
    known.filter((k) => env[k] !== undefined && env[k] !== '').map((k) => [k, env[k]]),
  );
  const config = plainToInstance(AppConfig, picked);
  const problems = describeProblems(validateSync(config, { stopAtFirstError: true }), env);
  problems.push(
    ...NetworkPolicy.validate({ allow: toList(config.NETWORK_ALLOW), deny: toList(config.NETWORK_DENY) }),
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
  if (problems.length) throw new ConfigError(problems);
  return config;
}

/** Parses "N per second|minute|hour" into a limit and a window in milliseconds. */
export function parseRateRule(rule: string): { limit: number; ttlMs: number } {
  const [count, , unit] = rule.trim().toLowerCase().split(/\s+/);
  const unitMs = { second: 1000, minute: 60_000, hour: 3_600_000 }[unit as 'second' | 'minute' | 'hour'];
  return { limit: Number(count), ttlMs: unitMs };
}
