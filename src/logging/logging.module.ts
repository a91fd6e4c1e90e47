import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import { AppConfig } from '../config/app-config';
import { createHttpLogger } from './http-logger';
import { loggerOptions } from './logger.options';

/** The access-log middleware; createApp mounts it before everything else. */
export const HTTP_LOGGER = Symbol('HTTP_LOGGER');

/**
 * Structured logging: one pino root logger for Nest's own logs (nestjs-pino
 * Logger, bound to the request id inside requests) and for the access log.
 * The access log is installed by createApp as the very first middleware
 * rather than as Nest middleware, so requests that body parsing rejects
 * (413, malformed JSON) are logged too.
 */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig): DynamicModule {
    const logger = pino(loggerOptions(config));
    return {
      global: true,
      module: LoggingModule,
      imports: [LoggerModule.forRoot({ pinoHttp: { logger }, useExisting: true })],
      providers: [{ provide: HTTP_LOGGER, useValue: createHttpLogger(logger, config) }],
      exports: [HTTP_LOGGER],
    };
  }
}
