import { DEFAULT_WINDOW } from '../browser-pool/chrome-path';

/**
 * Defaults of every capture field that has one: written once here, used by
 * the option resolver and shown in the OpenAPI document.
 */
export const CAPTURE_DEFAULTS = {
  // the window the pool presents every page at: a default capture needs no viewport emulation of its own
  window_width: DEFAULT_WINDOW.width,
  window_height: DEFAULT_WINDOW.height,
  pixel_density: 1,
  full_page: false,
  format: 'png',
  image_quality: 90,
  omit_background: false,
  response_type: 'by_format',
  content_disposition: 'attachment',
  pdf_format: 'A4',
  pdf_print_background: true,
  pdf_scale: 1,
  pdf_landscape: false,
  pdf_prefer_css_page_size: false,
  pdf_single_page: false,
  pdf_outline: false,
  pdf_tagged: true,
  wait_for_timeout: 30000,
  wait_for_network: 'idle',
  wait_for_animation: false,
  delay_capture: 0,
  dark_mode: false,
  block_media: false,
  ignore_https_errors: false,
  fail_on_http_error: false,
  // capture control (part 2)
  fail_on_page_error: false,
  javascript_enabled: true,
} as const;

export const FORMATS = ['png', 'jpeg', 'webp', 'pdf', 'html', 'markdown'] as const;
export type CaptureFormat = (typeof FORMATS)[number];
export const RESPONSE_TYPES = ['by_format', 'json', 'empty'] as const;
export const CONTENT_DISPOSITIONS = ['attachment', 'inline'] as const;
export const NETWORK_WAITS = ['idle', 'mostly_idle', 'none'] as const;
export const PDF_FORMATS = ['A3', 'A4', 'A5', 'Letter', 'Legal', 'Tabloid'] as const;
export const MEDIA_TYPES = ['screen', 'print'] as const;

export const CONTENT_TYPES: Record<CaptureFormat, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  pdf: 'application/pdf',
  html: 'text/html; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
};

/** Formats whose output is a bitmap: the only ones clip, image_width and image_height apply to. */
export const IMAGE_FORMATS: readonly CaptureFormat[] = ['png', 'jpeg', 'webp'];

/** File name extension of each format in Content-Disposition (screenshot.<ext>). */
export const FILE_EXTENSIONS: Record<CaptureFormat, string> = {
  png: 'png',
  jpeg: 'jpeg',
  webp: 'webp',
  pdf: 'pdf',
  html: 'html',
  markdown: 'md',
};

/** Hard limits of the API (docs/api.md) that are not configurable. */
export const LIMITS = {
  urlLength: 2048,
  viewport: 16384,
  delayMs: 30000,
  /** pdf_header_html, pdf_footer_html: 100 KiB each. */
  pdfHeaderFooterBytes: 100 * 1024,
} as const;
