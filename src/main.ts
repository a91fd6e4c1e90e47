import './process-defaults'; // first: before any package reads the environment
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { ConfigError } from './config/app-config';

async function bootstrap() {
  const { app, config } = await createApp();
  // SIGTERM/SIGINT: readiness down and the capture gate closed at once, running captures finish
  // (up to SHUTDOWN_GRACE_MS), the HTTP server and the browsers close, then exit 0 (see src/lifecycle).
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  await app.listen(config.PORT, config.HOST);
  new Logger('Pixashot').log(`listening on http://${config.HOST}:${config.PORT} (docs at /docs)`);
}

bootstrap().catch((err: unknown) => {
  // A bad config names every bad variable; anything else is a crash at boot.
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
