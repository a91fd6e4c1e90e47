import { getMetadataStorage } from 'class-validator';
import { CAPTURE_DEFAULTS } from '../src/capture/capture-defaults';
import { CookieDto, GeolocationDto, InteractionDto } from '../src/capture/dto/capture-parts.dto';
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
    expect(schema.properties.format.enum).toEqual(['png', 'jpeg', 'webp', 'pdf', 'html', 'markdown']);
  });

  it('documents binary media types, the error envelope per status and the bearer scheme', async () => {
    const doc = (await svc.http().get('/docs-json')).body;
    const post = doc.paths['/capture'].post;
    expect(Object.keys(post.responses['200'].content)).toEqual(
      expect.arrayContaining([
        'image/png',
        'image/jpeg',
        'image/webp',
        'application/pdf',
        'text/html',
        'text/markdown',
      ]),
    );
    const examples = post.requestBody.content['application/json'].examples;
    expect(Object.keys(examples)).toEqual(expect.arrayContaining(['basic', 'wait_for_app', 'markdown']));
    const envelope = doc.components.schemas.ErrorEnvelopeDto;
    expect(envelope.properties.error_type.enum).toEqual(
      expect.arrayContaining(['PageError', 'ContentError']),
    );
    for (const member of ['target_status', 'matched', 'missing'])
      expect(envelope.properties).toHaveProperty(member);
    for (const status of ['400', '401', '403', '413', '422', '429', '502', '503', '504', '500']) {
      expect(post.responses[status].content['application/json'].schema.$ref).toBe(
        '#/components/schemas/ErrorEnvelopeDto',
      );
    }
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    // every error_type the filter can answer with, the framework's 405 and 415 too
    expect(doc.components.schemas.ErrorEnvelopeDto.properties.error_type.enum).toEqual(
      expect.arrayContaining(['NotFoundError', 'MethodNotAllowedError', 'UnsupportedMediaTypeError']),
    );
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

  /** OpenAPI schema object (only the parts these checks read). */
  type SchemaObject = {
    type?: string;
    $ref?: string;
    allOf?: SchemaObject[];
    items?: SchemaObject;
    properties?: Record<string, SchemaObject>;
    description?: string;
    example?: unknown;
    default?: unknown;
    minimum?: number;
    maximum?: number;
  };
  const captureSchemas = async () => {
    const res = await svc.http().get('/docs-json');
    expect(res.status).toBe(200);
    return res.body.components.schemas as Record<string, SchemaObject>;
  };
  /** The component a property points at (`$ref`, `allOf: [{$ref}]`, or the items of an array of either). */
  const referenced = (
    schemas: Record<string, SchemaObject>,
    prop: SchemaObject,
  ): SchemaObject | undefined => {
    const ref = prop.$ref ?? prop.allOf?.find((p) => p.$ref)?.$ref ?? prop.items?.$ref;
    return ref ? schemas[ref.replace('#/components/schemas/', '')] : undefined;
  };
  /** @Min / @Max of each property of a DTO, from class-validator's metadata (the validation the API runs). */
  const boundsOf = (dto: new () => object) => {
    const bounds: Record<string, { minimum?: number; maximum?: number }> = {};
    for (const m of getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false)) {
      if (m.name !== 'min' && m.name !== 'max') continue;
      bounds[m.propertyName] = {
        ...bounds[m.propertyName],
        [m.name === 'min' ? 'minimum' : 'maximum']: m.constraints[0] as number,
      };
    }
    return bounds;
  };

  it('gives every capture request property a type (or $ref), a description and an example', async () => {
    const schemas = await captureSchemas();
    const properties = Object.entries(schemas.CaptureRequestDto.properties ?? {});
    expect(properties.length).toBeGreaterThan(40);
    const gaps: string[] = [];
    for (const [name, prop] of properties) {
      const target = referenced(schemas, prop);
      if (!prop.type && !target) gaps.push(`${name}: no type and no $ref`);
      if ((prop.$ref || prop.allOf) && !target) gaps.push(`${name}: $ref to a component that does not exist`);
      if (typeof prop.description !== 'string' || prop.description.trim().length < 5) {
        gaps.push(`${name}: no description`);
      }
      // An object field may take its example from the component it refers to: every property there has one.
      const componentExample =
        target?.example !== undefined ||
        (target?.properties !== undefined &&
          Object.values(target.properties).every((p) => p.example !== undefined));
      if (prop.example === undefined && !componentExample) gaps.push(`${name}: no example`);
      if (prop.type === 'array' && !prop.items) gaps.push(`${name}: an array without items`);
    }
    expect(gaps).toEqual([]);
    // the nested components exist and are typed too
    const nestedGaps: string[] = [];
    for (const component of ['InteractionDto', 'InteractionWaitDto', 'CookieDto', 'GeolocationDto']) {
      expect({ component, type: schemas[component]?.type }).toEqual({ component, type: 'object' });
      // and so is every field inside them
      for (const [name, prop] of Object.entries(schemas[component].properties ?? {})) {
        if (!(prop.description ?? '').trim()) nestedGaps.push(`${component}.${name}: no description`);
        if (prop.example === undefined && !referenced(schemas, prop))
          nestedGaps.push(`${component}.${name}: no example`);
      }
    }
    expect(nestedGaps).toEqual([]);
    expect(referenced(schemas, schemas.CaptureRequestDto.properties!.geolocation)).toBe(
      schemas.GeolocationDto,
    );
    expect(referenced(schemas, schemas.CaptureRequestDto.properties!.interactions)).toBe(
      schemas.InteractionDto,
    );
    expect(referenced(schemas, schemas.CaptureRequestDto.properties!.cookies)).toBe(schemas.CookieDto);
  });

  it('shows every default of CAPTURE_DEFAULTS, exactly, on its field', async () => {
    const props = (await captureSchemas()).CaptureRequestDto.properties!;
    const entries = Object.entries(CAPTURE_DEFAULTS);
    expect(entries.length).toBeGreaterThanOrEqual(20);
    for (const [field, value] of entries) {
      expect({ field, default: props[field]?.default }).toEqual({ field, default: value });
    }
  });

  it('shows minimum and maximum on every numeric field whose DTO has @Min / @Max, equal to them', async () => {
    const schemas = await captureSchemas();
    const cases: Array<[string, new () => object]> = [
      ['CaptureRequestDto', CaptureRequestDto],
      ['InteractionDto', InteractionDto],
      ['GeolocationDto', GeolocationDto],
      ['CookieDto', CookieDto],
    ];
    let checked = 0;
    for (const [component, dto] of cases) {
      const bounds = boundsOf(dto);
      const props = schemas[component].properties!;
      const numeric = Object.keys(props).filter((name) => ['number', 'integer'].includes(props[name].type!));
      // every field the DTO bounds is numeric in the document, and shows those bounds
      for (const [field, expected] of Object.entries(bounds)) {
        const where = `${component}.${field}`;
        expect({ where, numeric: numeric.includes(field) }).toEqual({ where, numeric: true });
        const shown = { minimum: props[field].minimum, maximum: props[field].maximum };
        expect({ where, ...shown }).toEqual({
          where,
          minimum: expected.minimum,
          maximum: expected.maximum,
        });
        checked++;
      }
    }
    // the request's own numeric fields: all of them are bounded below, and these above too
    const requestBounds = boundsOf(CaptureRequestDto);
    const requestProps = schemas.CaptureRequestDto.properties!;
    for (const field of [
      'window_width',
      'window_height',
      'pixel_density',
      'image_quality',
      'pdf_scale',
      'delay_capture',
    ]) {
      expect({ field, maximum: requestProps[field].maximum }).toEqual({
        field,
        maximum: requestBounds[field].maximum,
      });
      expect(requestProps[field].maximum).toEqual(expect.any(Number));
    }
    for (const [field, prop] of Object.entries(requestProps)) {
      if (prop.type === 'number')
        expect({ field, minimum: prop.minimum }).toEqual({ field, minimum: expect.any(Number) });
    }
    expect(requestProps.pixel_density).toMatchObject({ minimum: 0.5, maximum: 3 });
    expect(requestProps.delay_capture).toMatchObject({ minimum: 0, maximum: 30000 });
    expect(checked).toBeGreaterThanOrEqual(12);
  });

  it('documents the document fields of part 2 with a description, their default and an example', async () => {
    const schemas = await captureSchemas();
    const props = schemas.CaptureRequestDto.properties!;
    const expected: Record<string, unknown> = {
      pdf_header_html: undefined,
      pdf_footer_html: undefined,
      pdf_prefer_css_page_size: false,
      pdf_single_page: false,
      pdf_outline: false,
      pdf_tagged: true,
      pdf_metadata: undefined,
      media_type: undefined, // print for pdf, screen otherwise: said in the description
    };
    for (const [field, value] of Object.entries(expected)) {
      const prop = props[field];
      expect({ field, described: (prop?.description ?? '').length > 20 }).toEqual({ field, described: true });
      expect({ field, default: prop.default }).toEqual({ field, default: value });
      expect({ field, example: prop.example !== undefined }).toEqual({ field, example: true });
    }
    expect(props.media_type.description).toMatch(/print for format pdf, screen otherwise/);
    expect(props.pdf_footer_html.description).toMatch(/100 KiB/);
    expect(props.pdf_header_html.description).toMatch(/data: URLs/);
    const metadata = referenced(schemas, props.pdf_metadata);
    expect(metadata).toBe(schemas.PdfMetadataDto);
    expect(Object.keys(metadata!.properties!).sort()).toEqual([
      'author',
      'creator',
      'keywords',
      'subject',
      'title',
    ]);
    for (const [name, prop] of Object.entries(metadata!.properties!)) {
      expect({ name, described: !!prop.description, example: prop.example !== undefined }).toEqual({
        name,
        described: true,
        example: true,
      });
    }
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
