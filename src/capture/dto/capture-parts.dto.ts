import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

export const INTERACTION_ACTIONS = ['click', 'type', 'hover', 'scroll', 'wait_for'] as const;
export const INTERACTION_WAITS = ['network_idle', 'network_mostly_idle', 'selector', 'timeout'] as const;

/** What a `wait_for` interaction waits for: a selector, a number of ms, or a quiet network. */
export class InteractionWaitDto {
  @ApiProperty({ enum: INTERACTION_WAITS, example: 'selector' })
  @IsIn(INTERACTION_WAITS)
  type: (typeof INTERACTION_WAITS)[number];

  @ApiPropertyOptional({
    description: 'The selector (type selector) or milliseconds (type timeout).',
    oneOf: [{ type: 'string' }, { type: 'number' }],
    example: '#results',
  })
  @IsOptional()
  value?: string | number;
}

/** One step of `interactions`. */
export class InteractionDto {
  @ApiProperty({ enum: INTERACTION_ACTIONS, example: 'click' })
  @IsIn(INTERACTION_ACTIONS)
  action: (typeof INTERACTION_ACTIONS)[number];

  @ApiPropertyOptional({
    description: 'Target element (click, type, hover; scroll into view).',
    example: '#accept',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  selector?: string;

  @ApiPropertyOptional({ description: 'Text to type (action type).', example: 'hello' })
  @IsOptional()
  @IsString()
  @MaxLength(10000)
  text?: string;

  @ApiPropertyOptional({
    description: 'Scroll target x in CSS px (action scroll without selector).',
    example: 0,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  x?: number;

  @ApiPropertyOptional({
    description: 'Scroll target y in CSS px (action scroll without selector).',
    example: 800,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  y?: number;

  @ApiPropertyOptional({ description: 'What to wait for (action wait_for).', type: () => InteractionWaitDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => InteractionWaitDto)
  wait_for?: InteractionWaitDto;
}

export class CookieDto {
  @ApiProperty({ example: 'session' })
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  name: string;

  @ApiProperty({ example: 'abc123' })
  @IsString()
  @MaxLength(4096)
  value: string;

  @ApiPropertyOptional({ description: "Defaults to the target URL's host.", example: 'example.com' })
  @IsOptional()
  @IsString()
  domain?: string;

  @ApiPropertyOptional({ example: '/' })
  @IsOptional()
  @IsString()
  path?: string;

  @ApiPropertyOptional({ example: false })
  @IsOptional()
  @IsBoolean()
  secure?: boolean;

  @ApiPropertyOptional({ example: true })
  @IsOptional()
  @IsBoolean()
  http_only?: boolean;

  @ApiPropertyOptional({ enum: ['Strict', 'Lax', 'None'], example: 'Lax' })
  @IsOptional()
  @IsIn(['Strict', 'Lax', 'None'])
  same_site?: 'Strict' | 'Lax' | 'None';

  @ApiPropertyOptional({ description: 'Unix seconds; a session cookie when omitted.', example: 1893456000 })
  @IsOptional()
  @IsNumber()
  expires?: number;
}

export class GeolocationDto {
  @ApiProperty({ minimum: -90, maximum: 90, example: 52.52 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-90)
  @Max(90)
  latitude: number;

  @ApiProperty({ minimum: -180, maximum: 180, example: 13.405 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-180)
  @Max(180)
  longitude: number;

  @ApiPropertyOptional({ description: 'Metres; must be > 0.', default: 10, example: 10 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.001)
  accuracy?: number;
}
