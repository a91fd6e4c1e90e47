import { IMAGE_FORMATS } from './capture-defaults';
import type { CaptureOptions } from './capture-options';
import { patternMatching } from './request-blocking';
import { parseStatusEntry, StatusRange } from './dto/capture-control.dto';

/**
 * The capture-control rules that join several fields, judged on the options
 * as the capture will run them (template and defaults applied), so a
 * template's full_page meets a request's clip too. Each problem is one
 * message for the 400's error_details.
 */
export function captureControlProblems(opts: CaptureOptions): string[] {
  const problems: string[] = [];
  const image = IMAGE_FORMATS.includes(opts.format);
  if (opts.clip !== undefined) {
    if (!image) problems.push(`clip applies to png, jpeg and webp only, not ${opts.format}`);
    if (opts.selector !== undefined) problems.push('clip and selector cannot be used together');
    if (opts.full_page) problems.push('clip and full_page cannot be used together');
  }
  for (const field of ['image_width', 'image_height'] as const) {
    if (opts[field] !== undefined && !image) {
      problems.push(`${field} applies to png, jpeg and webp only, not ${opts.format}`);
    }
  }
  if (opts.javascript_enabled === false) {
    for (const field of ['custom_js', 'interactions', 'wait_for_function'] as const) {
      if (opts[field] !== undefined) problems.push(`${field} cannot be used with javascript_enabled: false`);
    }
  }
  if (typeof opts.url === 'string' && Array.isArray(opts.block_requests)) {
    const patterns = opts.block_requests.filter((p) => typeof p === 'string');
    // as given and as the browser will request it (https://Example.com is https://example.com/)
    const pattern = patternMatching(patterns, opts.url) ?? patternMatching(patterns, normalisedUrl(opts.url));
    if (pattern !== undefined) {
      problems.push(
        `block_requests pattern "${pattern}" matches the url itself; the main document cannot be blocked`,
      );
    }
  }
  return problems;
}

function normalisedUrl(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

/** Main-document statuses that fail the capture: fail_on_status, plus 400-599 for fail_on_http_error. */
export function failingStatuses(
  opts: Pick<CaptureOptions, 'fail_on_status' | 'fail_on_http_error'>,
): StatusRange[] {
  const ranges = (opts.fail_on_status ?? []).map(parseStatusEntry).filter((r): r is StatusRange => !!r);
  if (opts.fail_on_http_error) ranges.push({ from: 400, to: 599 });
  return ranges;
}

export const statusFails = (ranges: StatusRange[], status: number) =>
  ranges.some((r) => status >= r.from && status <= r.to);
