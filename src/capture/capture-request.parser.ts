import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError as ClassValidationError } from 'class-validator';
import { AppConfig } from '../config/app-config';
import { ValidationError } from '../common/errors';
import { CaptureRequestDto } from './dto/capture-request.dto';

/** "interactions.0.selector: selector must be a string" for every failed constraint, nested ones included. */
function describe(errors: ClassValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.entries(e.constraints ?? {}).map(([name, message]) =>
      name === 'whitelistValidation' ? `unknown field "${path}"` : prefix ? `${path}: ${message}` : message,
    );
    return [...own, ...describe(e.children ?? [], path)];
  });
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/**
 * Turns GET query strings into the JSON types the DTO expects, led by the
 * property's declared TypeScript type: booleans and numbers from text, string
 * lists from "a,b" (or JSON), objects and object lists from JSON text.
 * Values it cannot convert are left as they are, for validation to name.
 */
export function queryToBody(query: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(query)) {
    if (Array.isArray(raw)) {
      body[key] = raw; // a repeated parameter: validation reports it
      continue;
    }
    const type = Reflect.getMetadata('design:type', CaptureRequestDto.prototype, key);
    const text = String(raw);
    if (type === Boolean) {
      const v = text.toLowerCase();
      body[key] = TRUE.has(v) ? true : FALSE.has(v) ? false : text;
    } else if (type === Number) {
      body[key] = text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
    } else if (type === Array || type === Object) {
      body[key] = parseListOrJson(key, text, type === Array);
    } else {
      body[key] = text;
    }
  }
  return body;
}

function parseListOrJson(key: string, text: string, isArray: boolean): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    try {
      return JSON.parse(trimmed);
    } catch {
      throw new ValidationError(`${key} is not valid JSON`);
    }
  }
  return isArray
    ? trimmed
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : text;
}

/**
 * Validates a capture request (a JSON body, or a query already turned into
 * one) and returns the typed DTO. Every problem is collected: unknown fields,
 * bad values, the url/html_content rule and the limits that come from config.
 */
export function parseCaptureRequest(input: unknown, config: AppConfig): CaptureRequestDto {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError('The request body must be a JSON object');
  }
  const dto = plainToInstance(CaptureRequestDto, input);
  const problems = describe(
    validateSync(dto, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true }),
  );
  const hasUrl = dto.url !== undefined;
  const hasHtml = dto.html_content !== undefined;
  if (!hasUrl && !hasHtml) problems.unshift('Either url or html_content must be provided');
  if (hasUrl && hasHtml) problems.unshift('Provide only one of url or html_content, not both');
  if (typeof dto.html_content === 'string' && Buffer.byteLength(dto.html_content) > config.MAX_HTML_BYTES) {
    problems.push(`html_content must be at most ${config.MAX_HTML_BYTES} bytes`);
  }
  if (typeof dto.wait_for_timeout === 'number' && dto.wait_for_timeout > config.MAX_WAIT_TIMEOUT_MS) {
    problems.push(`wait_for_timeout must not be greater than ${config.MAX_WAIT_TIMEOUT_MS}`);
  }
  if (typeof dto.cache_ttl === 'number' && dto.cache_ttl > config.CACHE_MAX_TTL) {
    problems.push(`cache_ttl must not be greater than ${config.CACHE_MAX_TTL}`);
  }
  if (problems.length) throw new ValidationError(problems);
  return dto;
}
