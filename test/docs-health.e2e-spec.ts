import { getMetadataStorage } from 'class-validator';
import { CaptureRequestDto } from '../src/capture/dto/capture-request.dto';
import { startApp, TestApp } from './helpers/app';

describe('Swagger and health endpoints', () => {
  let svc: TestApp;

  beforeAll(async () => {
    svc = await startApp();
  });

  afterAll(async () => {
    await svc?.close();
  });

  it('documents every capture field with a type and an example', async () => {
    const res = await svc.http().get('/docs-json');
    expect(res.status).toBe(200);
    const schema = res.body.components.schemas.CaptureRequestDto;
    const fields = [
      ...new Set(
        getMetadataStorage()
          .getTargetValidationMetadatas(CaptureRequestDto, '', true, false)
          .map((m) => m.propertyName),
      ),
    ];
    expect(fields.length).toBeGreaterThan(40);
    for (const field of fields) {
      const prop = schema.properties[field];
      expect({ field, documented: !!prop }).toEqual({ field, documented: true });
      expect({
        field,
        example: prop.example !== undefined || prop.$ref !== undefined || !!prop.allOf,
      }).toEqual({
        field,
        example: true,
      });
    }
    expect(schema.properties.window_width).toMatchObject({
      type: 'number',
      default: 1920,
      minimum: 1,
      maximum: 16384,
    });
    expect(schema.properties.format.enum).toEqual(['png', 'jpeg', 'webp', 'pdf', 'html']);
  });

  it('documents binary media types, the error envelope per status and the bearer scheme', async () => {
    const doc = (await svc.http().get('/docs-json')).body;
    const post = doc.paths['/capture'].post;
    expect(Object.keys(post.responses['200'].content)).toEqual(
      expect.arrayContaining(['image/png', 'image/jpeg', 'image/webp', 'application/pdf', 'text/html']),
    );
    for (const status of ['400', '401', '403', '413', '422', '429', '502', '503', '504', '500']) {
      expect(post.responses[status].content['application/json'].schema.$ref).toBe(
        '#/components/schemas/ErrorEnvelopeDto',
      );
    }
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/capture'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['url', 'format', 'full_page']),
    );
  });

  it('serves the Swagger UI from local assets, without any CDN', async () => {
    const html = await svc.http().get('/docs');
    expect(html.status).toBe(200);
    expect(html.text).toContain('swagger-ui');
    expect(html.text).not.toMatch(/https?:\/\/(cdn|unpkg|cdnjs|jsdelivr)/);
    const init = await svc.http().get('/docs/swagger-ui-init.js');
    expect(init.status).toBe(200);
    const bundle = await svc.http().get('/docs/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.text.length).toBeGreaterThan(100000);
  });

  it('answers liveness and readiness with terminus bodies', async () => {
    const live = await svc.http().get('/health/live');
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({ status: 'ok', details: { process: { status: 'up' } } });
    const all = await svc.http().get('/health');
    expect(all.status).toBe(200);
    expect(all.body.details).toHaveProperty('browser_pool');
  });
});
