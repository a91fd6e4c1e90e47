/**
 * The pixel budget of an image capture, as arithmetic on sizes Chrome
 * measured (never on what the page's own scripts report): the rectangle to
 * capture is cut to MAX_CAPTURE_HEIGHT CSS px and then to MAX_CAPTURE_PIXELS
 * device pixels (width x height x density²). The width is kept; the height
 * gives way, from the bottom, so the top of the page or element is what
 * the client gets.
 */

/** A rectangle in CSS px, in document coordinates. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ImageBudget {
  /** CSS px of height (MAX_CAPTURE_HEIGHT). */
  maxHeight: number;
  /** Device pixels of one image (MAX_CAPTURE_PIXELS). */
  maxPixels: number;
}

export interface FittedClip {
  clip: Rect;
  /** The rectangle was taller than the budget allows: the image shows its top part. */
  truncated: boolean;
}

/** Whole CSS pixels covering `rect` (Chrome's image has whole device pixels anyway). */
export function coveringRect(rect: Rect): Rect {
  const x = Math.floor(rect.x);
  const y = Math.floor(rect.y);
  return {
    x,
    y,
    width: Math.ceil(rect.x + rect.width) - x,
    height: Math.ceil(rect.y + rect.height) - y,
  };
}

/**
 * The clip to hand Chrome for `rect` at `density`, or null when not even
 * one CSS px row of it fits the pixel budget (or it has no area): nothing
 * sensible can be captured then.
 */
export function fitToBudget(rect: Rect, density: number, budget: ImageBudget): FittedClip | null {
  const whole = coveringRect(rect);
  if (!(whole.width >= 1 && whole.height >= 1 && density > 0)) return null;
  const deviceWidth = Math.ceil(whole.width * density);
  // ceil(h x density) device rows must fit in floor(budget / device width)
  const deviceRows = Math.floor(budget.maxPixels / deviceWidth);
  const heightByPixels = Math.floor(deviceRows / density);
  if (heightByPixels < 1) return null;
  const height = Math.min(whole.height, Math.floor(budget.maxHeight), heightByPixels);
  return { clip: { ...whole, height }, truncated: height < whole.height };
}

/** Device pixels of an image of `rect` at `density`, as Chrome rounds them up. */
export const devicePixels = (rect: Rect, density: number): number =>
  Math.ceil(rect.width * density) * Math.ceil(rect.height * density);

/**
 * `text` as UTF-8, cut to at most `maxBytes` on a character boundary (a
 * multi-byte character is never split).
 */
export function utf8Prefix(text: string, maxBytes: number): { bytes: Buffer; truncated: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return { bytes, truncated: false };
  let end = maxBytes;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // bytes[end] continues a character: back off
  return { bytes: bytes.subarray(0, end), truncated: true };
}
