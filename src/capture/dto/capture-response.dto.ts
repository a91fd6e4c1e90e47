import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CaptureFormat, FORMATS } from '../capture-defaults';

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
