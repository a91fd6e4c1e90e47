import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import {
  getMetadataStorage,
  validateSync,
  ValidationError as ClassValidationError,
  ValidationTypes,
} from 'class-validator';
import { AppConfig } from '../config/app-config';
import { ValidationError } from '../common/errors';
import { booleanOf, toList } from '../common/text-values';
import { CaptureOptions, resolveCaptureOptions } from './capture-options';
import { CaptureRequestDto } from './dto/capture-request.dto';
import { presetProblem } from './user-agents';
import { captureControlProblems } from './capture-control.rules';
import { devicePixels } from './capture-budget';

/** "interactions.0.selector: selector must be a string" for every failed constraint, nested ones included. */
export function describe(errors: ClassValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const failed = Object.entries(e.constraints ?? {});
    // One message per field is enough to fix it; the type's ("must be an integer") says most.
    const [name, message] = failed.find(([n]) => /^is/.test(n)) ?? failed[0] ?? [];
    const own = !name
      ? []
      : [
          name === 'whitelistValidation'
            ? `unknown field "${path}"`
            : prefix
              ? `${path}: ${message}`
              : message!,
        ];
    return [...own, ...describe(e.children ?? [], path)];
  });
}

/**
 * Whether the DTO validates `key` as nested objects (@ValidateNested: interactions, cookies,
 * geolocation), read from class-validator's public metadata: such a field comes as JSON in a query.
 */
const nestedFields = (() => {
  let cached: Set<string> | undefined;
  return () =>
    (cached ??= new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(CaptureRequestDto, '', true, false)
        .filter((m) => m.type === ValidationTypes.NESTED_VALIDATION)
        .map((m) => m.propertyName),
    ));
})();

/**
 * Turns GET query strings into the JSON types the DTO expects, led by the
 * property's declared TypeScript type: booleans and numbers from text, string
 * lists from "a,b" (or JSON), objects (plain or a nested DTO such as
 * geolocation) and object lists from JSON text. Values it cannot convert are
 * left as they are, for validation to name.
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
      body[key] = booleanOf(text) ?? text;
    } else if (type === Number) {
      body[key] = text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
    } else if (type === Array && !nestedFields().has(key)) {
      body[key] = text.trim().startsWith('[') ? parseJson(key, text) : toList(text); // "a,b" or JSON
    } else if (type === Array) {
      body[key] = parseJson(key, text); // a list of objects: only as JSON
    } else if ((type === Object || isNestedDto(type)) && /^\s*[[{]/.test(text)) {
      // an object (string unions are declared as Object too; those are not JSON and stay text)
      body[key] = parseJson(key, text);
    } else {
      body[key] = text;
    }
  }
  return body;
}

/** A class declared as a property type (GeolocationDto...), as opposed to String, Number and friends. */
const isNestedDto = (type: unknown) =>
  typeof type === 'function' && ![String, Number, Boolean, Array, Object].includes(type as never);

function parseJson(key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError(`${key} is not valid JSON`);
  }
}

/**
 * The one way into a capture: validates a request (a JSON body, or a query
 * already turned into one by queryToBody) and resolves it (template, defaults,
 * env defaults) into the options every later step receives: the HTTP pipe,
 * the cache key, the pipeline, and anything else that accepts capture
 * requests (jobs). Throws ValidationError listing every problem.
 */
export function parseCaptureRequest(input: unknown, config: AppConfig): CaptureOptions {
  const { opts } = validateAndResolve(input, config);
  // Chrome lays out and composites the whole viewport, whatever is captured: one over the pixel
  // budget costs the browser (and every capture after it on that browser) before any cut could help.
  const viewport = { x: 0, y: 0, width: opts.window_width, height: opts.window_height };
  const pixels = devicePixels(viewport, opts.pixel_density);
  if (pixels > config.MAX_CAPTURE_PIXELS) {
    throw new ValidationError(
      `window_width x window_height x pixel_density² is ${pixels} device pixels, over MAX_CAPTURE_PIXELS (${config.MAX_CAPTURE_PIXELS})`,
    );
  }
  return opts;
}

/**
 * Validates a capture request and returns the typed DTO, not yet resolved.
 * Every problem is collected: unknown fields, bad values, the url/html_content
 * rule and the limits that come from config.
 */
export function validateCaptureRequest(input: unknown, config: AppConfig): CaptureRequestDto {
  return validateAndResolve(input, config).dto;
}

/** The request checked, and its options resolved once: the cross-field rules judge them, and the capture gets them. */
function validateAndResolve(
  input: unknown,
  config: AppConfig,
): { dto: CaptureRequestDto; opts: CaptureOptions } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError('The request body must be a JSON object');
  }
  const dto = plainToInstance(CaptureRequestDto, input);
  const problems = describe(
    validateSync(dto, {
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
    }),
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
  const preset = presetProblem({
    device: dto.user_agent_device,
    platform: dto.user_agent_platform,
    browser: dto.user_agent_browser,
  });
  if (preset) problems.push(preset);
  if (!hasUrl && Array.isArray(dto.cookies)) {
    dto.cookies.forEach((cookie, i) => {
      if (cookie && typeof cookie === 'object' && cookie.domain === undefined) {
        problems.push(`cookies.${i}: domain is required with html_content (there is no url to take it from)`);
      }
    });
  }
  if (dto.pdf_outline === true && dto.pdf_tagged === false) {
    problems.push('pdf_outline needs pdf_tagged: Chrome tags every PDF it builds an outline for');
  }
  if (typeof dto.cache_ttl === 'number' && dto.cache_ttl > config.CACHE_MAX_TTL) {
    problems.push(`cache_ttl must not be greater than ${config.CACHE_MAX_TTL}`);
  }
  if (problems.length) throw new ValidationError(problems);
  // rules across fields (and the template) are judged once every field is valid on its own
  const opts = resolveCaptureOptions(dto, config);
  const crossFieldProblems = captureControlProblems(opts);
  if (crossFieldProblems.length) throw new ValidationError(crossFieldProblems);
  return { dto, opts };
}
