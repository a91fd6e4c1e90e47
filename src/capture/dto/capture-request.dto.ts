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
  CONTENT_DISPOSITIONS,
  FORMATS,
  LIMITS,
  MEDIA_TYPES,
  NETWORK_WAITS,
  PDF_FORMATS,
  RESPONSE_TYPES,
} from '../capture-defaults';
import { UA_BROWSERS, UA_DEVICES, UA_PLATFORMS, UaBrowser, UaDevice, UaPlatform } from '../user-agents';
import { CookieDto, GeolocationDto, InteractionDto } from './capture-parts.dto';
import { PdfMetadataDto } from './pdf-metadata.dto';
import { IsCaptureUrl, IsHeaderMap, IsLocaleTag, IsTimeZone, MaxUtf8Bytes } from './validators';
import {
  ClipDto,
  ContentStrings,
  CONTROL_LIMITS,
  IsJsExpression,
  IsStatusList,
  RESOURCE_TYPES,
  ResourceType,
} from './capture-control.dto';

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
  @ApiPropertyOptional({
    description:
      "Output format. markdown: the rendered page's main content (main, [role=main] or article, else body; or the selector's element) as Markdown, text/markdown; charset=utf-8, file screenshot.md.",
    enum: FORMATS,
    default: D.format,
    example: 'png',
  })
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

  @ApiPropertyOptional({
    description:
      'Content-Disposition of a by_format answer: attachment (a download named screenshot.<format>) or inline (shown in place: a browser, or the Swagger UI, displays the image or PDF).',
    enum: CONTENT_DISPOSITIONS,
    default: D.content_disposition,
    example: 'inline',
  })
  @IsOptional()
  @IsIn(CONTENT_DISPOSITIONS)
  content_disposition?: (typeof CONTENT_DISPOSITIONS)[number];

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

  // ---- documents: PDF header/footer, page size, outline, tags, metadata; CSS media (API.md part 2) ----
  @ApiPropertyOptional({
    description:
      "HTML printed at the top of every PDF page (at most 100 KiB). Elements of class pageNumber, totalPages, date, title and url get Chrome's print values. Text without a font size of its own is 10pt sans-serif (a wrapper sets it; Chrome's own default is too small to read). Without pdf_margin_top (from the request or its template) the top margin becomes 20mm so it shows. Chrome renders it without loading anything: images must be data: URLs, and scripts do not run.",
    maxLength: LIMITS.pdfHeaderFooterBytes,
    example: '<div style="text-align:right"><span class="title"></span></div>',
  })
  @IsOptional()
  @IsString()
  @MaxUtf8Bytes(LIMITS.pdfHeaderFooterBytes)
  pdf_header_html?: string;

  @ApiPropertyOptional({
    description:
      'HTML printed at the bottom of every PDF page; the same rules as pdf_header_html (at most 100 KiB, print classes, 10pt default, bottom margin 20mm unless pdf_margin_bottom is set, no network).',
    maxLength: LIMITS.pdfHeaderFooterBytes,
    example:
      '<div style="text-align:center">Page <span class="pageNumber"></span> of <span class="totalPages"></span></div>',
  })
  @IsOptional()
  @IsString()
  @MaxUtf8Bytes(LIMITS.pdfHeaderFooterBytes)
  pdf_footer_html?: string;

  @ApiPropertyOptional({
    description:
      "An @page { size } in the page's CSS wins over pdf_format / pdf_width / pdf_height (pages without one keep those).",
    default: D.pdf_prefer_css_page_size,
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  pdf_prefer_css_page_size?: boolean;

  @ApiPropertyOptional({
    description:
      'The whole page on ONE PDF page exactly as tall as the content (receipts, long reports), as wide as pdf_format / pdf_width says; at most MAX_CAPTURE_HEIGHT CSS px tall, a longer page is cut there (X-Capture-Truncated: true).',
    default: D.pdf_single_page,
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  pdf_single_page?: boolean;

  @ApiPropertyOptional({
    description:
      "The PDF carries an outline (bookmarks) built from the page's headings h1..h6. Chrome tags every PDF it builds an outline for (Chromium 156), so pdf_outline with pdf_tagged: false is a 400 rather than a PDF tagged against the request.",
    default: D.pdf_outline,
    example: true,
  })
  @IsOptional()
  @IsBoolean()
  pdf_outline?: boolean;

  @ApiPropertyOptional({
    description: 'An accessible, tagged PDF (a structure tree of headings, paragraphs, tables, figures).',
    default: D.pdf_tagged,
    example: true,
  })
  @IsOptional()
  @IsBoolean()
  pdf_tagged?: boolean;

  @ApiPropertyOptional({
    description:
      "Document information written into the PDF (what a reader shows as its properties); title defaults to the page's <title>. In GET, a JSON object.",
    type: () => PdfMetadataDto,
    example: { title: 'Invoice 2026-0042', author: 'ACME Billing', keywords: ['invoice', 'acme'] },
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PdfMetadataDto)
  pdf_metadata?: PdfMetadataDto;

  @ApiPropertyOptional({
    description:
      'The CSS media the page is rendered for (@media print / screen rules), for images and PDFs alike. Default: print for format pdf, screen otherwise.',
    enum: MEDIA_TYPES,
    example: 'screen',
  })
  @IsOptional()
  @IsIn(MEDIA_TYPES)
  media_type?: (typeof MEDIA_TYPES)[number];

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
    description:
      'Do not load images, media (audio, video) or fonts: those requests are never sent. Shorthand of block_resources ["image", "media", "font"].',
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
      'A main-document status >= 400 is 502 NavigationError (with target_status) instead of a capture of the error page: the same as fail_on_status ["400-599"].',
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

  // ---- capture control (API.md part 2; their order in a capture: see capture.service.ts) ----
  @ApiPropertyOptional({
    description:
      'JavaScript expression evaluated in the page every 100 ms, after wait_for_selector_hidden, until it is truthy (a promise is awaited), bounded by wait_for_timeout. An evaluation that throws counts as "not yet"; never truthy: 504 TimeoutError whose error_details carries the last exception\'s message. An expression that does not parse is a 400.',
    maxLength: CONTROL_LIMITS.expressionLength,
    example: 'window.chartsReady === true',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(CONTROL_LIMITS.expressionLength)
  @IsJsExpression()
  wait_for_function?: string;

  @ApiPropertyOptional({
    description:
      'CSS selector that must be absent or hidden (a spinner going away) before capture, after wait_for_selector; 504 TimeoutError when it is still shown after wait_for_timeout, 400 when it is not a valid selector.',
    example: '.spinner',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  wait_for_selector_hidden?: string;

  @ApiPropertyOptional({
    description:
      'HTTP statuses and inclusive ranges: a main document answered with one of them is 502 NavigationError whose body carries target_status. fail_on_http_error: true adds "400-599". In GET, a comma list (404,500-599).',
    type: 'array',
    items: { oneOf: [{ type: 'integer' }, { type: 'string', pattern: '^\\d{3}-\\d{3}$' }] },
    maxItems: CONTROL_LIMITS.statusEntries,
    example: [404, '500-599'],
  })
  @IsOptional()
  @IsStatusList()
  fail_on_status?: (number | string)[];

  @ApiPropertyOptional({
    description:
      "An uncaught exception or unhandled promise rejection in the page's main frame, from navigation until the capture, is 422 PageError with its message in error_details.",
    default: D.fail_on_page_error,
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  fail_on_page_error?: boolean;

  @ApiPropertyOptional({
    description:
      "Strings the page's visible text (document.body.innerText, just before capture, case-insensitive, whitespace runs as one space) must not contain; the first one found is 422 ContentError with `matched`. In GET, a comma list or a JSON array.",
    type: [String],
    maxItems: CONTROL_LIMITS.contentStrings,
    example: ['Access denied', 'captcha'],
  })
  @ContentStrings()
  fail_if_content_contains?: string[];

  @ApiPropertyOptional({
    description:
      "Strings the page's visible text must contain (matched like fail_if_content_contains); the first one absent is 422 ContentError with `missing`.",
    type: [String],
    maxItems: CONTROL_LIMITS.contentStrings,
    example: ['Order total'],
  })
  @ContentStrings()
  fail_if_content_missing?: string[];

  @ApiPropertyOptional({
    description:
      'URL patterns matched against the whole URL of every request of the page; `*` matches any run of characters (no other wildcard). Matching requests fail as blocked by the client and never leave the browser. A pattern matching the url itself is a 400 (the main document cannot be blocked); a redirect of the main document is never blocked.',
    type: [String],
    maxItems: CONTROL_LIMITS.blockPatterns,
    example: ['*://*.doubleclick.net/*', '*.mp4'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(CONTROL_LIMITS.blockPatterns)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(CONTROL_LIMITS.patternLength, { each: true })
  block_requests?: string[];

  @ApiPropertyOptional({
    description:
      'Resource types that are not loaded (the request fails as blocked by the client). block_media is ["image", "media", "font"]. The main document is never blocked.',
    type: 'array',
    items: { type: 'string', enum: [...RESOURCE_TYPES] },
    example: ['image', 'font'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(RESOURCE_TYPES.length)
  @IsIn(RESOURCE_TYPES, {
    each: true,
    message: `block_resources entries must be one of: ${RESOURCE_TYPES.join(', ')}`,
  })
  block_resources?: ResourceType[];

  @ApiPropertyOptional({
    description:
      'CSS (at most 100 KiB) applied to the main frame from its first byte and kept to the capture, so it also styles content that appears later. @import rules are ignored.',
    example: '.cookie-banner { display: none !important; } body { font-size: 18px; }',
  })
  @IsOptional()
  @IsString()
  @MaxUtf8Bytes(CONTROL_LIMITS.stylesBytes)
  styles?: string;

  @ApiPropertyOptional({
    description:
      "false: the page's scripts do not run (the page renders as without JavaScript, <noscript> included); custom_js, interactions and wait_for_function are then a 400.",
    default: D.javascript_enabled,
    example: true,
  })
  @IsOptional()
  @IsBoolean()
  javascript_enabled?: boolean;

  @ApiPropertyOptional({
    description:
      'CSS selector scrolled to the top of the viewport after interactions, before a viewport capture; 422 ElementNotFoundError when nothing matches.',
    example: '#pricing',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  scroll_into_view?: string;

  @ApiPropertyOptional({
    description:
      'Rectangle of the page in CSS px (from the top left of the document, not of the viewport) that is captured; the image is width x height times pixel_density. png, jpeg and webp only; with selector or full_page a 400.',
    type: () => ClipDto,
    example: { x: 0, y: 100, width: 400, height: 300 },
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => ClipDto)
  clip?: ClipDto;

  @ApiPropertyOptional({
    description:
      'Width in pixels of the output image (a thumbnail): the capture is taken at the viewport and density asked for, then scaled. Alone, the aspect ratio is kept; with image_height, the image is scaled to cover exactly that size and cropped centrally. png, jpeg and webp only.',
    minimum: 1,
    maximum: CONTROL_LIMITS.imageSide,
    example: 320,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(CONTROL_LIMITS.imageSide)
  image_width?: number;

  @ApiPropertyOptional({
    description: 'Height in pixels of the output image; see image_width. png, jpeg and webp only.',
    minimum: 1,
    maximum: CONTROL_LIMITS.imageSide,
    example: 240,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(CONTROL_LIMITS.imageSide)
  image_height?: number;

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
