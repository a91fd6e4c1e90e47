import { AppConfig } from '../config/app-config';
import { CAPTURE_DEFAULTS } from './capture-defaults';
import { CaptureRequestDto } from './dto/capture-request.dto';
import { TEMPLATES } from './templates';

type Defaulted = keyof typeof CAPTURE_DEFAULTS;

/** A request with its template and defaults applied: every defaulted field is present. */
export type CaptureOptions = Omit<CaptureRequestDto, Defaulted | 'block_popups' | 'block_cookie_banners'> & {
  -readonly [K in Defaulted]-?: NonNullable<CaptureRequestDto[K]>;
} & { block_popups: boolean; block_cookie_banners: boolean };

/** Request fields first, then the template's, then the defaults (env defaults for the page helpers). */
export function resolveCaptureOptions(request: CaptureRequestDto, config: AppConfig): CaptureOptions {
  const template = request.template ? TEMPLATES[request.template as keyof typeof TEMPLATES] : {};
  const given = Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined));
  return {
    ...CAPTURE_DEFAULTS,
    block_popups: config.USE_POPUP_BLOCKER,
    block_cookie_banners: config.USE_COOKIE_BLOCKER,
    ...template,
    ...given,
  } as CaptureOptions;
}
