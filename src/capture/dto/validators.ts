import { registerDecorator, ValidationOptions } from 'class-validator';

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** Why a capture URL is unacceptable, or undefined when it is an absolute http(s) URL. */
export function captureUrlProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'url must be a string';
  if (CONTROL_CHARS.test(value)) return 'url must not contain control characters';
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return 'url must be an absolute http or https URL';
  }
  // URL lower-cases the scheme, so HTTP:, JavaScript: and friends are judged alike.
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return `url scheme "${parsed.protocol.replace(/:$/, '')}" is not allowed; use http or https`;
  }
  if (parsed.username || parsed.password) return 'url must not contain credentials (user:password@)';
  if (!parsed.hostname) return 'url must have a host';
  return undefined;
}

/** An absolute http or https URL without credentials or control characters. */
export function IsCaptureUrl(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isCaptureUrl',
      target: object.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => captureUrlProblem(value) === undefined,
        defaultMessage: (args) => captureUrlProblem(args?.value) ?? 'url is invalid',
      },
    });
}

/** RFC 7230 token: what a header name may contain. */
const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// eslint-disable-next-line no-control-regex
const HEADER_VALUE = /^[^\u0000-\u0008\u000a-\u001f\u007f]*$/;

/** An object of header name -> string value, names being valid tokens and values free of line breaks. */
export function IsHeaderMap(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isHeaderMap',
      target: object.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.entries(value).every(
            ([k, v]) => HEADER_TOKEN.test(k) && typeof v === 'string' && HEADER_VALUE.test(v),
          ),
        defaultMessage: (args) => {
          const value: unknown = args?.value;
          if (typeof value !== 'object' || value === null || Array.isArray(value)) {
            return `${propertyName} must be an object of header name to string value`;
          }
          const bad = Object.entries(value as object).find(
            ([k, v]) => !HEADER_TOKEN.test(k) || typeof v !== 'string' || !HEADER_VALUE.test(v),
          );
          return bad && !HEADER_TOKEN.test(bad[0])
            ? `${propertyName} has an invalid header name "${bad[0]}"`
            : `${propertyName} value of "${bad?.[0]}" must be a string without line breaks`;
        },
      },
    });
}

const isTimeZone = (value: unknown) => {
  if (typeof value !== 'string' || !value) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
};

/** An IANA time zone name Chrome knows (checked with ICU, like Chrome does). */
export function IsTimeZone(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isTimeZone',
      target: object.constructor,
      propertyName,
      options,
      validator: {
        validate: isTimeZone,
        defaultMessage: () => `${propertyName} must be an IANA time zone name such as Europe/Berlin`,
      },
    });
}

const isLocale = (value: unknown) => {
  if (typeof value !== 'string' || !value) return false;
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch {
    return false;
  }
};

/** A BCP 47 language tag. */
export function IsLocaleTag(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isLocaleTag',
      target: object.constructor,
      propertyName,
      options,
      validator: {
        validate: isLocale,
        defaultMessage: () => `${propertyName} must be a BCP 47 language tag such as en-US`,
      },
    });
}

/** A string of at most `max` bytes in UTF-8 (what the limit of a piece of HTML is about, not UTF-16 units). */
export function MaxUtf8Bytes(max: number, options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'maxUtf8Bytes',
      target: object.constructor,
      propertyName,
      options,
      constraints: [max],
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || Buffer.byteLength(value) <= max,
        defaultMessage: () => `${propertyName} must be at most ${max} bytes (${max / 1024} KiB)`,
      },
    });
}
