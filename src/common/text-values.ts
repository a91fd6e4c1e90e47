/**
 * Values given as text (env variables, GET query parameters) turned into
 * what they say: one reading of booleans and lists for the whole service.
 */

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** true / false for "true"/"1"/"yes"/"on" and "false"/"0"/"no"/"off" (any case); undefined for anything else. */
export function booleanOf(text: string): boolean | undefined {
  const v = text.toLowerCase();
  return TRUE.has(v) ? true : FALSE.has(v) ? false : undefined;
}

/** Comma lists ("a, b,c") become trimmed arrays without empty items; an array stays as it is. */
export const toList = (value: unknown): string[] =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : Array.isArray(value)
      ? (value as string[])
      : [];
