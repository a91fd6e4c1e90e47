import { LoggerOptions, stdTimeFunctions } from 'pino';
import { AppConfig } from '../config/app-config';

/** Wherever a request or response object gets logged, these never appear. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'req.query.token',
  'req.query.signature',
  'req.query.access_token',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
];

/**
 * The root logger: JSON lines on stdout with an ISO time and the level as a
 * word, at LOG_LEVEL. NODE_ENV=development pretty-prints through pino-pretty
 * (a dev dependency, so never in the production image).
 */
export function loggerOptions(config: AppConfig): LoggerOptions {
  const options: LoggerOptions = {
    level: config.LOG_LEVEL,
    timestamp: stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  if (config.NODE_ENV === 'development') {
    return {
      ...options,
      transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } },
    };
  }
  return { ...options, formatters: { level: (label) => ({ level: label }) } };
}
