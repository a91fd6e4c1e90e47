import { AppConfig } from '../config/app-config';
import { CAPTURE_DEFAULTS, MEDIA_TYPES } from './capture-defaults';
import { CaptureRequestDto } from './dto/capture-request.dto';
import { TEMPLATES } from './templates';
import { completePreset, UaPreset } from './user-agents';

type Defaulted = keyof typeof CAPTURE_DEFAULTS;
type MediaType = (typeof MEDIA_TYPES)[number];

/** A request with its template and defaults applied: every defaulted field is present. */
export type CaptureOptions = Omit<
  CaptureRequestDto,
  Defaulted | 'block_popups' | 'block_cookie_banners' | 'media_type'
> & {
  -readonly [K in Defaulted]-?: NonNullable<CaptureRequestDto[K]>;
} & { block_popups: boolean; block_cookie_banners: boolean; media_type: MediaType };

/** Request fields first, then the template's, then the defaults (env defaults for the page helpers). */
export function resolveCaptureOptions(request: CaptureRequestDto, config: AppConfig): CaptureOptions {
  const template = request.template ? TEMPLATES[request.template as keyof typeof TEMPLATES] : {};
  const given = Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined));
  const preset = completePreset(presetOf(request), presetOf(template));
  const format = request.format ?? (template as Partial<CaptureRequestDto>).format ?? CAPTURE_DEFAULTS.format;
  return {
    ...CAPTURE_DEFAULTS,
    block_popups: config.USE_POPUP_BLOCKER,
    block_cookie_banners: config.USE_COOKIE_BLOCKER,
    ...template,
    ...given,
    // the user agent preset is completed as a whole, so a template's part never contradicts the request's
    user_agent_device: preset?.device,
    user_agent_platform: preset?.platform,
    user_agent_browser: preset?.browser,
    // a PDF is printed, an image shows the screen: each unless the request says otherwise
    media_type:
      request.media_type ??
      (template as Partial<CaptureRequestDto>).media_type ??
      (format === 'pdf' ? 'print' : 'screen'),
  } as CaptureOptions;
}

const presetOf = (fields: Partial<CaptureRequestDto>): Partial<UaPreset> => ({
  device: fields.user_agent_device,
  platform: fields.user_agent_platform,
  browser: fields.user_agent_browser,
});
