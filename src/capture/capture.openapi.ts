import type { OpenAPIObject, ParameterObject, SchemaObject } from '@nestjs/swagger';

type Schema = SchemaObject & { $ref?: string };

/** Whether a property holds an object or a list of objects: such a query parameter is JSON text. */
const isStructured = (prop: Schema): boolean =>
  !!prop.$ref ||
  !!prop.allOf ||
  prop.type === 'object' ||
  (prop.type === 'array' && !!(prop.items as Schema | undefined)?.$ref);

/**
 * GET /capture's query parameters as the route really reads them
 * (capture-request.parser's queryToBody): one per field of the POST body's
 * schema, booleans and numbers as text, string lists comma-separated
 * (`style: form, explode: false`; a JSON array also works), objects and lists
 * of objects as JSON text (`content: application/json`). Derived from the
 * body schema, so a new DTO field shows up in both routes.
 */
export function captureQueryParameters(body: Schema): ParameterObject[] {
  return Object.entries((body.properties ?? {}) as Record<string, Schema>).map(([name, prop]) => {
    const { description, ...schema } = prop;
    const base = { name, in: 'query' as const, required: false, description };
    if (isStructured(prop)) return { ...base, content: { 'application/json': { schema } } };
    if (prop.type === 'array') return { ...base, style: 'form', explode: false, schema };
    return { ...base, schema };
  });
}

/** Puts the capture fields in front of GET /capture's own parameters (expires, signature). */
export function describeCaptureQuery(document: OpenAPIObject): void {
  const get = document.paths['/capture']?.get;
  const body = document.components?.schemas?.CaptureRequestDto as Schema | undefined;
  if (!get || !body) return;
  get.parameters = [...captureQueryParameters(body), ...(get.parameters ?? [])];
}
