import { ValidationError } from './errors';

/**
 * Bounds on the shape of a JSON request body, checked on the raw bytes
 * before JSON.parse and long before class-transformer walks the result
 * (which recurses: a body nested 20000 deep used to overflow its stack, a
 * 500). The capture API's deepest field is 3 levels down and its longest
 * list 100 items, so these leave ample room for any real request.
 */
export const JSON_LIMITS = {
  /** Nesting of objects and arrays. */
  maxDepth: 32,
  /** Keys of one object, or items of one array. */
  maxItemsPerContainer: 1000,
  /** Keys and items in the whole body. */
  maxItemsTotal: 20000,
};

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN = new Set([0x5b, 0x7b]); // [ {
const CLOSE = new Set([0x5d, 0x7d]); // ] }

/**
 * Throws a ValidationError (400) when `body` nests deeper, or holds more
 * keys or items, than `limits` allow. One pass over the bytes with a stack
 * of at most `maxDepth` counters; strings (and their escapes) are skipped.
 * Malformed JSON is left for JSON.parse to reject.
 */
export function checkJsonShape(body: Uint8Array, limits = JSON_LIMITS): void {
  const commas: number[] = []; // commas seen in each open container, innermost last (items = commas + 1)
  let total = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (OPEN.has(byte)) {
      if (commas.length >= limits.maxDepth) {
        throw new ValidationError(`The JSON body is nested deeper than ${limits.maxDepth} levels`);
      }
      commas.push(0);
    } else if (CLOSE.has(byte)) {
      commas.pop();
    } else if (byte === COMMA && commas.length > 0) {
      if (++commas[commas.length - 1] >= limits.maxItemsPerContainer) {
        throw new ValidationError(
          `An object or array in the JSON body has more than ${limits.maxItemsPerContainer} keys or items`,
        );
      }
      if (++total >= limits.maxItemsTotal) {
        throw new ValidationError(`The JSON body holds more than ${limits.maxItemsTotal} keys and items`);
      }
    }
  }
}
