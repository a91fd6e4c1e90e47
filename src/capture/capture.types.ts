import type { CaptureMetadataDto } from './dto/capture-response.dto';

/** What the capture learned about the page (the response DTO is its one definition). */
export type CaptureMetadata = CaptureMetadataDto;

export type Phase = 'queue' | 'navigate' | 'wait' | 'capture';

export interface CaptureResult {
  body: Buffer;
  contentType: string;
  metadata: CaptureMetadata;
  /** Milliseconds per phase, for Server-Timing. */
  timings: Record<Phase, number>;
}

/**
 * Optional collaborator that vets targets (the egress module provides it).
 * `route` is the capture's own network route (PageLease.routeId): what the
 * proxy did for other captures never counts. Undefined: the browser-wide route.
 */
export interface TargetGuard {
  /** Throws BlockedTargetError / NavigationError when the URL's host may not be reached. */
  checkUrl(url: string): Promise<void>;
  /** Whether the policy refused this capture a connection to the host and port of `url` since `sinceMs` (epoch ms). */
  wasDenied(route: string | undefined, url: string, sinceMs: number): boolean;
  /** Whether the policy refused this capture any connection since `sinceMs` (a redirect hop's host is not known on failure). */
  deniedSince(route: string | undefined, sinceMs: number): boolean;
  /** Whether the egress proxy died (and was restarted) while it carried connections of this capture. */
  wasInterrupted(route: string | undefined): boolean;
}
export const TARGET_GUARD = Symbol('TARGET_GUARD');
