import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import {
  CAPTURE_DEFAULTS as D,
  FORMATS,
  LIMITS,
  NETWORK_WAITS,
  PDF_FORMATS,
  RESPONSE_TYPES,
} from '../capture-defaults';
import { UA_BROWSERS, UA_DEVICES, UA_PLATFORMS, UaBrowser, UaDevice, UaPlatform } from '../user-agents';
import { CookieDto, GeolocationDto, InteractionDto } from './capture-parts.dto';
import { IsCaptureUrl, IsHeaderMap, IsLocaleTag, IsTimeZone } from './validators';

/** A CSS length as Chrome's PDF printer accepts it: a number with px, in, cm or mm (px when bare). */
const CSS_LENGTH = /^\d+(\.\d+)?(px|in|cm|mm)?$/;
const PAGE_RANGES = /^\s*\d+(\s*-\s*\d+)?(\s*,\s*\d+(\s*-\s*\d+)?)*\s*$/;
const cssLength = (field: string) => ({ message: `${field} must be a CSS length such as 10mm, 1in or 96px` });

export const TEMPLATE_NAMES = [
  'mobile',
  'desktop_full',
  'article_pdf',
  'iphone_13',
  'ipad',
  'pixel_7',
] as const;

/**
 * One capture request: the body of POST /capture and the query of GET
 * /capture. Fields a request leaves out come from its `template`, then from
 * CAPTURE_DEFAULTS; no field carries an initializer here so that the
 * difference between "left out" and "set to the default" survives.
 */
export class CaptureRequestDto {
  // ---- target ----
  @ApiPropertyOptional({
    description: 'Page to capture: an absolute http or https URL. Exactly one of url / html_content.',
    example: 'https://example.com',
    maxLength: LIMITS.urlLength,
  })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.urlLength)
  @IsCaptureUrl()
  url?: string;

  @ApiPropertyOptional({
    description:
      'Raw HTML to render instead of a URL (at most MAX_HTML_BYTES, default 5 MiB). Exactly one of url / html_content.',
    example: '<html><body><h1>Hello</h1></body></html>',
  })
  @IsOptional()
  @IsString()
  html_content?: string;

  @ApiPropertyOptional({
    description:
      'A preset that fills only the fields this request leaves out: mobile (390x844 @3, Chrome on Android), desktop_full (1920x1080, full_page), article_pdf (A4 PDF, 15 mm margins, full_page, popups and consent banners blocked), iphone_13 (390x844 @3, Safari on iOS), ipad (820x1180 @2, Safari on iPadOS), pixel_7 (412x915 @2.625, Chrome on Android). Unknown names are a 400 listing these.',
    enum: TEMPLATE_NAMES,
    example: 'mobile',
  })
  @IsOptional()
  @IsIn(TEMPLATE_NAMES, { message: `template must be one of: ${TEMPLATE_NAMES.join(', ')}` })
  template?: string;

  // ---- viewport ----
  @ApiPropertyOptional({
    description: 'Viewport width in CSS pixels.',
    default: D.window_width,
    example: 1280,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(LIMITS.viewport)
  window_width?: number;

  @ApiPropertyOptional({
    description: 'Viewport height in CSS pixels.',
    default: D.window_height,
    example: 720,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(LIMITS.viewport)
  window_height?: number;

  @ApiPropertyOptional({
    description: 'Device pixel ratio: a 1280x720 viewport at 2 gives a 2560x1440 image.',
    default: D.pixel_density,
    example: 2,
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.5)
  @Max(3)
  pixel_density?: number;

  @ApiPropertyOptional({
    description:
      'Capture the whole scrollable page, up to MAX_CAPTURE_HEIGHT CSS px; a capped capture has the header X-Capture-Truncated: true. The page is first scrolled to the bottom a viewport at a time (so loading="lazy" images and IntersectionObserver content load, bounded by wait_for_timeout) and back to the top.',
    default: D.full_page,
    example: true,
  })
  @IsOptional()
  @IsBoolean()
  full_page?: boolean;

  @ApiPropertyOptional({
    description:
      "CSS selector: the capture is that element's box only (422 ElementNotFoundError when missing).",
    example: '#main-content',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  selector?: string;

  // ---- output ----
  @ApiPropertyOptional({ description: 'Output format.', enum: FORMATS, default: D.format, example: 'png' })
  @IsOptional()
  @IsIn(FORMATS)
  format?: (typeof FORMATS)[number];

  @ApiPropertyOptional({ description: 'Quality for jpeg and webp.', default: D.image_quality, example: 80 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  image_quality?: number;

  @ApiPropertyOptional({
    description: 'Transparent background for png and webp.',
    default: D.omit_background,
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  omit_background?: boolean;

  @ApiPropertyOptional({
    description:
      'by_format: the raw bytes; json: {file (base64), format, metadata}; empty: 204 with no body.',
    enum: RESPONSE_TYPES,
    default: D.response_type,
    example: 'by_format',
  })
  @IsOptional()
  @IsIn(RESPONSE_TYPES)
  response_type?: (typeof RESPONSE_TYPES)[number];

  // ---- pdf ----
  @ApiPropertyOptional({
    description: 'PDF paper size.',
    enum: PDF_FORMATS,
    default: D.pdf_format,
    example: 'A4',
  })
  @IsOptional()
  @IsIn(PDF_FORMATS)
  pdf_format?: (typeof PDF_FORMATS)[number];

  @ApiPropertyOptional({
    description: 'Print background colours and images.',
    default: D.pdf_print_background,
    example: true,
  })
  @IsOptional()
  @IsBoolean()
  pdf_print_background?: boolean;

  @ApiPropertyOptional({ description: 'Rendering scale of the PDF.', default: D.pdf_scale, example: 1 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.1)
  @Max(2)
  pdf_scale?: number;

  @ApiPropertyOptional({ description: 'Pages to print, e.g. "1-5, 8"; all when omitted.', example: '1-5, 8' })
  @IsOptional()
  @IsString()
  @Matches(PAGE_RANGES, { message: 'pdf_page_ranges must look like "1-5, 8"' })
  pdf_page_ranges?: string;

  @ApiPropertyOptional({ description: 'Paper width (CSS units); overrides pdf_format.', example: '210mm' })
  @IsOptional()
  @IsString()
  @Matches(CSS_LENGTH, cssLength('pdf_width'))
  pdf_width?: string;

  @ApiPropertyOptional({ description: 'Paper height (CSS units); overrides pdf_format.', example: '297mm' })
  @IsOptional()
  @IsString()
  @Matches(CSS_LENGTH, cssLength('pdf_height'))
  pdf_height?: string;

  @ApiPropertyOptional({ description: 'Landscape orientation.', default: D.pdf_landscape, example: false })
  @IsOptional()
  @IsBoolean()
  pdf_landscape?: boolean;

  @ApiPropertyOptional({ description: 'Top margin (CSS units).', example: '10mm' })
  @IsOptional()
  @IsString()
  @Matches(CSS_LENGTH, cssLength('pdf_margin_top'))
  pdf_margin_top?: string;

  @ApiPropertyOptional({ description: 'Right margin (CSS units).', example: '10mm' })
  @IsOptional()
  @IsString()
  @Matches(CSS_LENGTH, cssLength('pdf_margin_right'))
  pdf_margin_right?: string;

  @ApiPropertyOptional({ description: 'Bottom margin (CSS units).', example: '10mm' })
  @IsOptional()
  @IsString()
  @Matches(CSS_LENGTH, cssLength('pdf_margin_bottom'))
  pdf_margin_bottom?: string;

  @ApiPropertyOptional({ description: 'Left margin (CSS units).', example: '10mm' })
  @IsOptional()
  @IsString()
  @Matches(CSS_LENGTH, cssLength('pdf_margin_left'))
  pdf_margin_left?: string;

  // ---- waiting ----
  @ApiPropertyOptional({
    description:
      'Milliseconds; bounds page load, the network wait and the element wait, each (max MAX_WAIT_TIMEOUT_MS, default 120000).',
    default: D.wait_for_timeout,
    minimum: 1,
    example: 30000,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  wait_for_timeout?: number;

  @ApiPropertyOptional({
    description:
      'idle: no request in flight for 500 ms; mostly_idle: at most 2 for 500 ms; none: right after load. Running out is not an error (X-Network-Idle: false).',
    enum: NETWORK_WAITS,
    default: D.wait_for_network,
    example: 'idle',
  })
  @IsOptional()
  @IsIn(NETWORK_WAITS)
  wait_for_network?: (typeof NETWORK_WAITS)[number];

  @ApiPropertyOptional({
    description:
      'CSS selector that must be present and visible before capture (504 TimeoutError when it never is).',
    example: '#main-content',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  wait_for_selector?: string;

  @ApiPropertyOptional({
    description:
      'Wait (up to wait_for_timeout) for running finite CSS animations and transitions to finish; infinite ones are not waited for.',
    default: D.wait_for_animation,
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  wait_for_animation?: boolean;

  @ApiPropertyOptional({
    description: 'Milliseconds to wait after every other wait, just before capture.',
    default: D.delay_capture,
    example: 500,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(LIMITS.delayMs)
  delay_capture?: number;

  // ---- page and content ----
  @ApiPropertyOptional({
    description:
      'JavaScript run in the page (main world) after load and the waits, before hide_selectors and interactions. Top-level await works and a returned promise is awaited; a throw or rejection is 422 ScriptError with its message, and so is a script still running after wait_for_timeout.',
    example: "document.body.style.background = 'white'",
  })
  @IsOptional()
  @IsString()
  @MaxLength(100_000)
  custom_js?: string;

  @ApiPropertyOptional({
    description:
      'Steps run in order after custom_js and hide_selectors. Element steps wait up to wait_for_timeout for a visible element. A failing step is 422 InteractionError "step <index> (<step>): <why>", index being 0-based like interactions.<index> in validation errors.',
    type: () => [InteractionDto],
    example: [{ action: 'click', selector: '#accept' }],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => InteractionDto)
  interactions?: InteractionDto[];

  @ApiPropertyOptional({
    description: 'Emulate prefers-color-scheme: dark, so pages with a dark theme render it.',
    default: D.dark_mode,
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  dark_mode?: boolean;

  @ApiPropertyOptional({
    description: 'Do not load images, media (audio, video) or fonts: those requests are never sent.',
    default: D.block_media,
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  block_media?: boolean;

  @ApiPropertyOptional({
    description:
      'CSS selectors hidden (visibility: hidden, so the layout stays) before interactions, including elements that appear later. In GET, a comma list or a JSON array. An invalid selector is a 400.',
    type: [String],
    example: ['.ads', '#newsletter'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  hide_selectors?: string[];

  @ApiPropertyOptional({
    description: 'Header name -> value, sent with every request of the page.',
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'X-Preview': '1' },
  })
  @IsOptional()
  @IsObject()
  @IsHeaderMap()
  custom_headers?: Record<string, string>;

  @ApiPropertyOptional({
    description:
      'Cookies set in the capture context before navigation. Without a domain a cookie belongs to the url host (a domain is required with html_content); a cookie the browser refuses is a 400.',
    type: () => [CookieDto],
    example: [{ name: 'session', value: 'abc', domain: 'example.com' }],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => CookieDto)
  cookies?: CookieDto[];

  @ApiPropertyOptional({
    description:
      'User agent string for every request and navigator.userAgent; wins over the user_agent_* presets (their mobile emulation still applies, without client hints).',
    example: 'MyBot/1.0',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  user_agent?: string;

  @ApiPropertyOptional({
    description:
      "Preset with user_agent_platform and user_agent_browser: a coherent user agent, navigator.platform and (Chrome, Edge) client hints, the Chrome version being the real browser's. mobile also emulates a touch screen and a mobile viewport. Missing parts get defaults (mobile: android or ios; desktop: windows or macos; chrome, or safari on Apple); combinations no real browser has (desktop + ios, safari on windows...) are a 400.",
    enum: UA_DEVICES,
    example: 'mobile',
  })
  @IsOptional()
  @IsIn(UA_DEVICES)
  user_agent_device?: UaDevice;

  @ApiPropertyOptional({
    description: 'Platform of the user agent preset (see user_agent_device).',
    enum: UA_PLATFORMS,
    example: 'android',
  })
  @IsOptional()
  @IsIn(UA_PLATFORMS)
  user_agent_platform?: UaPlatform;

  @ApiPropertyOptional({
    description: 'Browser of the user agent preset (see user_agent_device); safari only on macos and ios.',
    enum: UA_BROWSERS,
    example: 'chrome',
  })
  @IsOptional()
  @IsIn(UA_BROWSERS)
  user_agent_browser?: UaBrowser;

  @ApiPropertyOptional({
    description:
      'Position the page sees, with the geolocation permission granted for every origin of this capture (accuracy defaults to 10 m).',
    type: () => GeolocationDto,
    example: { latitude: 52.52, longitude: 13.405, accuracy: 10 },
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => GeolocationDto)
  geolocation?: GeolocationDto;

  @ApiPropertyOptional({ description: 'IANA time zone.', example: 'Europe/Berlin' })
  @IsOptional()
  @IsTimeZone()
  timezone?: string;

  @ApiPropertyOptional({
    description:
      'BCP 47 locale: navigator.language(s), the Accept-Language header and Intl formatting (de-DE gives "de-DE,de").',
    example: 'de-DE',
  })
  @IsOptional()
  @IsLocaleTag()
  locale?: string;

  @ApiPropertyOptional({
    description:
      'Accept invalid or self-signed TLS certificates, for this capture only (other captures on the same browser still check them). Otherwise such a page is 502 NavigationError.',
    default: D.ignore_https_errors,
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  ignore_https_errors?: boolean;

  @ApiPropertyOptional({
    description:
      'A main-document status >= 400 is 502 NavigationError instead of a capture of the error page.',
    default: D.fail_on_http_error,
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  fail_on_http_error?: boolean;

  @ApiPropertyOptional({
    description:
      'Refuse popups (window.open, target=_blank links and forms) and close at once any page that opens anyway (default: USE_POPUP_BLOCKER, true).',
    example: true,
  })
  @IsOptional()
  @IsBoolean()
  block_popups?: boolean;

  @ApiPropertyOptional({
    description:
      'Reject or hide consent banners of common consent platforms (OneTrust, Cookiebot, Didomi... DuckDuckGo autoconsent rules, offline); waits up to 10 s for a banner to be handled (default: USE_COOKIE_BLOCKER, false).',
    example: true,
  })
  @IsOptional()
  @IsBoolean()
  block_cookie_banners?: boolean;

  // ---- response cache ----
  @ApiPropertyOptional({
    description:
      'Answer from the response cache when an identical capture is stored, and store this one. false: always render a fresh capture and store nothing (X-Cache: BYPASS). Ignored when the cache is off (CACHE_MAX_SIZE=0).',
    default: true,
    example: true,
  })
  @IsOptional()
  @IsBoolean()
  cache?: boolean;

  @ApiPropertyOptional({
    description:
      'Seconds this capture may be reused for, and the oldest stored capture this request accepts (1..CACHE_MAX_TTL, default CACHE_DEFAULT_TTL = 3600).',
    minimum: 1,
    default: 3600,
    example: 600,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  cache_ttl?: number;
}
