import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { json, NextFunction, Request, RequestHandler, Response } from 'express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { describeCaptureQuery } from './capture/capture.openapi';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { answerClientErrorsInEnvelope } from './common/client-error';
import { requestIdMiddleware } from './common/request-id';
import { trustProxySetting } from './common/trust-proxy';
import { AppConfig, loadConfig } from './config/app-config';
import { HTTP_LOGGER } from './logging/logging.module';
import { CaptureMetricsMiddleware } from './metrics/capture-metrics.middleware';

/** The JSON body limit: the largest html_content plus room for the other fields. */
export const bodyLimitOf = (config: AppConfig) => config.MAX_HTML_BYTES + 256 * 1024;

export function buildOpenApiDocument(app: INestApplication) {
  const options = new DocumentBuilder()
    .setTitle('Pixashot')
    .setDescription(
      'Self-hosted screenshot and PDF service. POST a URL or raw HTML to /capture and get back a PNG, JPEG, WebP, PDF or the rendered HTML.',
    )
    .setVersion('0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'AUTH_TOKEN / AUTH_TOKENS' })
    .build();
  const document = SwaggerModule.createDocument(app, options);
  describeCaptureQuery(document);
  return document;
}

/**
 * Builds the application from an env object (process.env for the real
 * service, literals in tests): config validated first, then body parsing,
 * request ids, the error envelope, Swagger. Does not listen.
 */
export async function createApp(env: Record<string, string | undefined> = process.env) {
  const config = loadConfig(env);
  const trustProxy = trustProxySetting(config.TRUST_PROXY);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxy); // req.ip: the client behind TRUST_PROXY's proxies, never a blind X-Forwarded-For
  answerClientErrorsInEnvelope(app.getHttpServer());
  // First of all, so the access log and the capture metrics also see requests body parsing turns away.
  app.use(app.get<RequestHandler>(HTTP_LOGGER));
  app.use('/capture', app.get(CaptureMetricsMiddleware).handle);
  app.use(requestIdMiddleware);
  app.use(json({ limit: bodyLimitOf(config), type: ['application/json', 'application/*+json'] }));
  // Body-parser failures happen before Nest routes the request: answer them in the envelope too.
  const filter = new AllExceptionsFilter();
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => filter.respond(err, req, res));

  if (config.DOCS_ENABLED) {
    SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
      jsonDocumentUrl: 'docs-json',
      yamlDocumentUrl: 'docs-yaml',
      swaggerOptions: { persistAuthorization: true },
    });
  }
  return { app, config };
}
