import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { NextFunction, Request, RequestHandler, Response } from 'express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { describeCaptureQuery } from './capture/capture.openapi';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { answerClientErrorsInEnvelope } from './common/client-error';
import { requestIdMiddleware } from './common/request-id';
import { trustProxySetting } from './common/trust-proxy';
import { loadConfig } from './config/app-config';
import { HTTP_LOGGER } from './logging/logging.module';
import { CaptureMetricsMiddleware } from './metrics/capture-metrics.middleware';

export { bodyLimitOf } from './common/json-body.interceptor';

export function buildOpenApiDocument(app: INestApplication) {
  const options = new DocumentBuilder()
    .setTitle('Pixashot')
    .setDescription(
      'Self-hosted screenshot and PDF service. POST a URL or raw HTML to /capture and get back a PNG, JPEG, WebP, PDF or the rendered HTML.',
    )
    .setVersion('0.1.0')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addServer('/', 'This service (the address the document was fetched from)')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'AUTH_TOKEN / AUTH_TOKENS' })
    .build();
  const document = SwaggerModule.createDocument(app, options);
  describeCaptureQuery(document);
  return document;
}

/**
 * Builds the application from an env object (process.env for the real
 * service, literals in tests): config validated first, then request ids,
 * the error envelope, Swagger. The JSON body is parsed after the guards
 * (JsonBodyInterceptor), never for a request they refuse. Does not listen.
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
  // First of all, so the access log and the capture metrics also see every request turned away.
  app.use(app.get<RequestHandler>(HTTP_LOGGER));
  app.use('/capture', app.get(CaptureMetricsMiddleware).handle);
  app.use(requestIdMiddleware);
  // Failures before Nest routes the request: answer them in the envelope too.
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
