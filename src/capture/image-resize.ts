import type Sharp from 'sharp';
import { ValidationError } from '../common/errors';
import { CONTROL_LIMITS } from './dto/capture-control.dto';

/** sharp's own default limit (16384 x 16384), said out loud: a bigger capture is refused before decoding. */
const MAX_INPUT_PIXELS = 16384 * 16384;

export interface ResizeRequest {
  format: 'png' | 'jpeg' | 'webp';
  quality: number;
  width?: number;
  height?: number;
}

/**
 * image_width / image_height: scales a finished capture with sharp (libvips).
 * One side given: the other follows the aspect ratio. Both: scaled to cover
 * that box and cropped centrally, so the result is exactly that size and
 * nothing is distorted. Re-encoded in the capture's own format and quality;
 * transparency is kept.
 */
export async function resizeImage(
  image: Buffer,
  size: { width: number; height: number },
  want: ResizeRequest,
): Promise<{ body: Buffer; width: number; height: number }> {
  const { width, height } = targetSize(size, want);
  if (size.width * size.height > MAX_INPUT_PIXELS) {
    throw new ValidationError(
      `The capture is ${size.width}x${size.height} px, too large to scale (at most ${MAX_INPUT_PIXELS} pixels); ask for a smaller viewport, density or page`,
    );
  }
  // loaded on the first resize: libvips (~8 MiB resident) stays out of a replica that never scales
  const sharp: typeof Sharp = (await import('sharp')).default;
  let pipeline = sharp(image, { limitInputPixels: MAX_INPUT_PIXELS }).resize(width, height, {
    fit: 'cover',
    position: 'centre',
  });
  pipeline =
    want.format === 'png'
      ? pipeline.png()
      : want.format === 'jpeg'
        ? pipeline.jpeg({ quality: Math.max(1, want.quality) })
        : pipeline.webp({ quality: Math.max(1, want.quality) });
  const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
  return { body: data, width: info.width, height: info.height };
}

/** The output size; a one-sided request whose other side would be over the limit is a 400. */
export function targetSize(
  size: { width: number; height: number },
  want: { width?: number; height?: number },
): { width: number; height: number } {
  const width = want.width ?? Math.max(1, Math.round((size.width * want.height!) / size.height));
  const height = want.height ?? Math.max(1, Math.round((size.height * want.width!) / size.width));
  if (width > CONTROL_LIMITS.imageSide || height > CONTROL_LIMITS.imageSide) {
    throw new ValidationError(
      `Scaled with its aspect ratio the image would be ${width}x${height} px; each side may be at most ${CONTROL_LIMITS.imageSide} (give both image_width and image_height)`,
    );
  }
  return { width, height };
}
