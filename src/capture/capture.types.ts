import type { CaptureFormat } from './capture-defaults';
import type { PageMetadata } from './page-metadata';

/** What the capture learned about the page, returned in JSON responses and as headers. */
export interface CaptureMetadata extends PageMetadata {
  /** URL after redirects (about:blank for html_content). */
  final_url: string;
  /** HTTP status of the main document; null for html_content. */
  status_code: number | null;
  format: CaptureFormat;
  /** Pixel size of an image capture. */
  width?: number;
  height?: number;
  /** Pages in a PDF capture. */
  page_count?: number;
  /** False when the network never went quiet within wait_for_timeout; the capture went ahead. */
  network_idle: boolean;
  /** True when a full-page capture was cut at MAX_CAPTURE_HEIGHT. */
  truncated: boolean;
  duration_ms: number;
}

export type Phase = 'queue' | 'navigate' | 'wait' | 'capture';

export interface CaptureResult {
  body: Buffer;
  contentType: string;
  metadata: CaptureMetadata;
  /** Milliseconds per phase, for Server-Timing. */
  timings: Record<Phase, number>;
}

/** Optional collaborator that vets targets (the egress module provides it). */
export interface TargetGuard {
  /** Throws BlockedTargetError / NavigationError when the URL's host may not be reached. */
  checkUrl(url: string): Promise<void>;
  /** Whether the network policy refused a connection to the host and port of `url` since `sinceMs` (epoch ms). */
  wasDenied(url: string, sinceMs: number): boolean;
  /** Whether the policy refused any connection since `sinceMs` (a redirect hop's host is not known on failure). */
  deniedSince(sinceMs: number): boolean;
}
export const TARGET_GUARD = Symbol('TARGET_GUARD');
