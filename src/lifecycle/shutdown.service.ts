import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { AppConfig } from '../config/app-config';
import { settledWithin } from '../common/timing';
import { Admission } from '../capture/admission';

/**
 * Graceful shutdown, first step of Nest's close sequence (SIGTERM with
 * enableShutdownHooks, or app.close()): readiness goes down and the capture
 * gate closes at once, running captures get up to SHUTDOWN_GRACE_MS to
 * finish while the HTTP server still answers (probes see 503, new captures
 * get 503). Nest then closes the HTTP server and the browser pool.
 */
@Injectable()
export class ShutdownService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  private draining = false;

  constructor(
    private readonly config: AppConfig,
    private readonly admission: Admission,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** True from the moment shutdown began. */
  get isDraining(): boolean {
    return this.draining;
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    const admission = this.admission;
    admission.close();
    const running = admission.runningCount;
    this.logger.log(
      `shutting down${signal ? ` on ${signal}` : ''}: not ready, no new captures; waiting for ${running} running capture(s), up to ${this.config.SHUTDOWN_GRACE_MS} ms`,
    );
    if (
      await settledWithin(
        admission.idle().then(() => true),
        this.config.SHUTDOWN_GRACE_MS,
      )
    )
      return;
    // Out of grace: cut the connections still open. Their captures see the client leave and stop,
    // so closing the server and the browsers does not wait on them.
    this.logger.warn(
      `${admission.runningCount} capture(s) still running after the grace period; closing them`,
    );
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    server?.closeAllConnections();
  }
}
