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
    description: 'A preset that fills the fields this request leaves out.',
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
      'Capture the whole scrollable page (scrolled first so lazy content loads), up to MAX_CAPTURE_HEIGHT CSS px; a capped capture has the header X-Capture-Truncated: true.',
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
    description: 'Wait for running CSS animations and transitions to finish.',
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
      'JavaScript run in the page after load; awaited if it returns a promise. A throw is 422 ScriptError.',
    example: "document.body.style.background = 'white'",
  })
  @IsOptional()
  @IsString()
  @MaxLength(100_000)
  custom_js?: string;

  @ApiPropertyOptional({
    description:
      'Steps run in order before capture; a failing step is 422 InteractionError naming its index.',
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
    description: 'Emulate prefers-color-scheme: dark.',
    default: D.dark_mode,
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  dark_mode?: boolean;

  @ApiPropertyOptional({
    description: 'Do not load images, media or fonts.',
    default: D.block_media,
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  block_media?: boolean;

  @ApiPropertyOptional({
    description: 'CSS selectors hidden before capture.',
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
    description: 'Cookies set before navigation.',
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
    description: 'User agent string for every request and navigator.userAgent.',
    example: 'MyBot/1.0',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  user_agent?: string;

  @ApiPropertyOptional({
    description: 'Picks a coherent user agent together with user_agent_platform and user_agent_browser.',
    enum: ['desktop', 'mobile'],
    example: 'mobile',
  })
  @IsOptional()
  @IsIn(['desktop', 'mobile'])
  user_agent_device?: 'desktop' | 'mobile';

  @ApiPropertyOptional({ enum: ['windows', 'macos', 'linux', 'ios', 'android'], example: 'android' })
  @IsOptional()
  @IsIn(['windows', 'macos', 'linux', 'ios', 'android'])
  user_agent_platform?: 'windows' | 'macos' | 'linux' | 'ios' | 'android';

  @ApiPropertyOptional({ enum: ['chrome', 'edge', 'firefox', 'safari'], example: 'chrome' })
  @IsOptional()
  @IsIn(['chrome', 'edge', 'firefox', 'safari'])
  user_agent_browser?: 'chrome' | 'edge' | 'firefox' | 'safari';

  @ApiPropertyOptional({
    description: 'Geolocation the page sees (permission granted).',
    type: () => GeolocationDto,
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
    description: 'BCP 47 locale (navigator.language, Accept-Language).',
    example: 'de-DE',
  })
  @IsOptional()
  @IsLocaleTag()
  locale?: string;

  @ApiPropertyOptional({
    description: 'Accept invalid or self-signed TLS certificates.',
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
    description: 'Close popups the page opens (default: USE_POPUP_BLOCKER).',
    example: true,
  })
  @IsOptional()
  @IsBoolean()
  block_popups?: boolean;

  @ApiPropertyOptional({
    description: 'Dismiss or hide consent banners of common consent platforms (default: USE_COOKIE_BLOCKER).',
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
