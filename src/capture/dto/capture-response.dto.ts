import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CaptureFormat, FORMATS } from '../capture-defaults';

/** og: tags of the page (the ones it has). */
export class OpenGraphDto {
  @ApiPropertyOptional({ example: 'Example article' })
  title?: string;

  @ApiPropertyOptional({ example: 'What the article is about.' })
  description?: string;

  @ApiPropertyOptional({ description: 'Absolute URL.', example: 'https://example.com/cover.png' })
  image?: string;

  @ApiPropertyOptional({ description: 'Absolute URL.', example: 'https://example.com/article' })
  url?: string;

  @ApiPropertyOptional({ example: 'article' })
  type?: string;

  @ApiPropertyOptional({ example: 'Example' })
  site_name?: string;
}

/** What the capture learned about the page: the JSON response's metadata, the X-* headers, the cache entry's. */
export class CaptureMetadataDto {
  @ApiProperty({
    description: 'URL after redirects (about:blank for html_content).',
    example: 'https://example.com/',
  })
  final_url: string;

  @ApiProperty({
    description: "The main document's HTTP status; null for html_content.",
    nullable: true,
    example: 200,
  })
  status_code: number | null;

  @ApiProperty({ example: 'Example Domain' })
  title: string;

  @ApiProperty({ enum: FORMATS, example: 'png' })
  format: CaptureFormat;

  @ApiPropertyOptional({
    description: 'The page\'s <meta name="description">, when it has one.',
    example: 'An example page.',
  })
  description?: string;

  @ApiPropertyOptional({
    description: "The page's Open Graph tags (og:title...), when it has any; only those it has.",
    type: () => OpenGraphDto,
  })
  open_graph?: OpenGraphDto;

  @ApiPropertyOptional({
    description:
      "Absolute http(s) URLs of the page's icons (link rel icon, apple-touch-icon, mask-icon), at most 20.",
    type: [String],
    example: ['https://example.com/favicon.ico'],
  })
  icons?: string[];

  @ApiPropertyOptional({
    description: 'Absolute URL of the page\'s <link rel="canonical">, when it has one.',
    example: 'https://example.com/',
  })
  canonical_url?: string;

  @ApiPropertyOptional({ description: "The lang attribute of the page's <html>, when set.", example: 'en' })
  lang?: string;

  @ApiPropertyOptional({ description: 'Image width in pixels.', example: 1280 })
  width?: number;

  @ApiPropertyOptional({ description: 'Image height in pixels.', example: 720 })
  height?: number;

  @ApiPropertyOptional({ description: 'Pages in a PDF.', example: 1 })
  page_count?: number;

  @ApiProperty({
    description: 'False when the network never went idle within wait_for_timeout.',
    example: true,
  })
  network_idle: boolean;

  @ApiProperty({
    description: 'True when a full-page capture was cut at MAX_CAPTURE_HEIGHT.',
    example: false,
  })
  truncated: boolean;

  @ApiProperty({ description: 'Milliseconds from arrival to the finished capture.', example: 412 })
  duration_ms: number;
}

/** The body for response_type=json. */
export class CaptureJsonResponseDto {
  @ApiProperty({ description: 'The capture, base64-encoded.', example: 'iVBORw0KGgo...' })
  file: string;

  @ApiProperty({ enum: FORMATS, example: 'png' })
  format: string;

  @ApiProperty({ type: () => CaptureMetadataDto })
  metadata: CaptureMetadataDto;
}
