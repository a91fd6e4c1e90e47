import { DEFAULT_WINDOW } from '../browser-pool/chrome-path';

/**
 * Defaults of every capture field that has one: written once here, used by
 * the option resolver and shown in the OpenAPI document.
 */
export const CAPTURE_DEFAULTS = {
  // the window a pool browser opens pages with: a default capture needs no viewport emulation
  window_width: DEFAULT_WINDOW.width,
  window_height: DEFAULT_WINDOW.height,
  pixel_density: 1,
  full_page: false,
  format: 'png',
  image_quality: 90,
  omit_background: false,
  response_type: 'by_format',
  pdf_format: 'A4',
  pdf_print_background: true,
  pdf_scale: 1,
  pdf_landscape: false,
  wait_for_timeout: 30000,
  wait_for_network: 'idle',
  wait_for_animation: false,
  delay_capture: 0,
  dark_mode: false,
  block_media: false,
  ignore_https_errors: false,
  fail_on_http_error: false,
} as const;

export const FORMATS = ['png', 'jpeg', 'webp', 'pdf', 'html'] as const;
export type CaptureFormat = (typeof FORMATS)[number];
export const RESPONSE_TYPES = ['by_format', 'json', 'empty'] as const;
export const NETWORK_WAITS = ['idle', 'mostly_idle', 'none'] as const;
export const PDF_FORMATS = ['A3', 'A4', 'A5', 'Letter', 'Legal', 'Tabloid'] as const;

export const CONTENT_TYPES: Record<CaptureFormat, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  pdf: 'application/pdf',
  html: 'text/html; charset=utf-8',
};

/** Hard limits of the API (docs/api.md) that are not configurable. */
export const LIMITS = {
  urlLength: 2048,
  viewport: 16384,
  delayMs: 30000,
} as const;
