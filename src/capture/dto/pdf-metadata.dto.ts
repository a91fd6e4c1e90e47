import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, IsString, MaxLength } from 'class-validator';

/** Longest text of one document information entry. */
export const MAX_METADATA_TEXT = 1000;

/** `pdf_metadata`: the PDF's document information dictionary (what a reader shows as its properties). */
export class PdfMetadataDto {
  @ApiPropertyOptional({
    description: "Title; defaults to the page's <title>.",
    example: 'Invoice 2026-0042',
    maxLength: MAX_METADATA_TEXT,
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_METADATA_TEXT)
  title?: string;

  @ApiPropertyOptional({ description: 'Author.', example: 'ACME Billing', maxLength: MAX_METADATA_TEXT })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_METADATA_TEXT)
  author?: string;

  @ApiPropertyOptional({
    description: 'Subject.',
    example: 'Invoice for November',
    maxLength: MAX_METADATA_TEXT,
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_METADATA_TEXT)
  subject?: string;

  @ApiPropertyOptional({
    description: 'Keywords (at most 100), stored as one comma-separated entry as PDF readers expect.',
    type: [String],
    example: ['invoice', 'acme'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(MAX_METADATA_TEXT, { each: true })
  keywords?: string[];

  @ApiPropertyOptional({
    description: 'Creator: the application that made the original document (default: Chrome\'s "Chromium").',
    example: 'ACME Billing 3.2',
    maxLength: MAX_METADATA_TEXT,
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_METADATA_TEXT)
  creator?: string;
}
