import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  registerDecorator,
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
/** Longest `wait_for: {type: timeout}` step, like delay_capture. */
export const MAX_STEP_TIMEOUT_MS = 30000;

/** What a step of each action cannot do without, or undefined when it has it. */
function missingForAction(step: Partial<InteractionDto>): string | undefined {
  switch (step.action) {
    case 'click':
    case 'hover':
      return step.selector === undefined ? `${step.action} needs a selector` : undefined;
    case 'type':
      if (step.selector === undefined) return 'type needs a selector';
      return step.text === undefined ? 'type needs a text' : undefined;
    case 'wait_for':
      return step.wait_for === undefined ? 'wait_for needs wait_for: {type, value}' : undefined;
    default:
      return undefined; // scroll: a selector, or x/y (0,0 when left out)
  }
}

/** Checks a step as a whole: the fields its action needs are there. */
function IsCompleteStep() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isCompleteStep',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (_value: unknown, args) =>
          missingForAction(args?.object as Partial<InteractionDto>) === undefined,
        defaultMessage: (args) =>
          missingForAction(args?.object as Partial<InteractionDto>) ?? 'incomplete step',
      },
    });
}

/** Why a wait's value does not fit its type, or undefined when it does. */
function waitValueProblem(wait: Partial<InteractionWaitDto>): string | undefined {
  const { type, value } = wait;
  if (type === 'selector' && (typeof value !== 'string' || value.length === 0 || value.length > 1000)) {
    return 'value must be a CSS selector (a non-empty string) for type selector';
  }
  if (
    type === 'timeout' &&
    (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_STEP_TIMEOUT_MS)
  ) {
    return `value must be milliseconds (an integer 0..${MAX_STEP_TIMEOUT_MS}) for type timeout`;
  }
  return undefined;
}

function IsWaitValue() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isWaitValue',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (_value: unknown, args) =>
          waitValueProblem(args?.object as InteractionWaitDto) === undefined,
        defaultMessage: (args) => waitValueProblem(args?.object as InteractionWaitDto) ?? 'bad value',
      },
    });
}

/** What a `wait_for` interaction waits for: a selector, a number of ms, or a quiet network. */
export class InteractionWaitDto {
  @ApiProperty({
    enum: INTERACTION_WAITS,
    description: 'What to wait for: a selector to become visible, a number of ms, or the network to settle.',
    example: 'selector',
  })
  @IsIn(INTERACTION_WAITS)
  type: (typeof INTERACTION_WAITS)[number];

  @ApiPropertyOptional({
    description:
      'The CSS selector that must become visible (type selector) or milliseconds to wait, 0..30000 (type timeout). Not used by the network waits, which wait for 500 ms without requests (network_idle) or with at most 2 in flight (network_mostly_idle), and like wait_for_network go ahead when that never happens within wait_for_timeout.',
    oneOf: [{ type: 'string' }, { type: 'number' }],
    example: '#results',
  })
  @IsWaitValue()
  value?: string | number;
}

/** One step of `interactions`. */
export class InteractionDto {
  @ApiProperty({
    description:
      'click, hover: the element of `selector`; type: `text` typed into `selector` (appended to what it holds); scroll: `selector` into view, or the page to `x`/`y`; wait_for: see `wait_for`.',
    enum: INTERACTION_ACTIONS,
    example: 'click',
  })
  @IsIn(INTERACTION_ACTIONS)
  @IsCompleteStep()
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
  @ApiProperty({ description: 'Cookie name.', example: 'session' })
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  name: string;

  @ApiProperty({ description: 'Cookie value.', example: 'abc123' })
  @IsString()
  @MaxLength(4096)
  value: string;

  @ApiPropertyOptional({ description: "Defaults to the target URL's host.", example: 'example.com' })
  @IsOptional()
  @IsString()
  domain?: string;

  @ApiPropertyOptional({ description: 'Path the cookie applies to.', default: '/', example: '/' })
  @IsOptional()
  @IsString()
  path?: string;

  @ApiPropertyOptional({ description: 'Sent over HTTPS only.', example: false })
  @IsOptional()
  @IsBoolean()
  secure?: boolean;

  @ApiPropertyOptional({ description: 'Hidden from page scripts (document.cookie).', example: true })
  @IsOptional()
  @IsBoolean()
  http_only?: boolean;

  @ApiPropertyOptional({
    enum: ['Strict', 'Lax', 'None'],
    description: 'SameSite attribute.',
    example: 'Lax',
  })
  @IsOptional()
  @IsIn(['Strict', 'Lax', 'None'])
  same_site?: 'Strict' | 'Lax' | 'None';

  @ApiPropertyOptional({ description: 'Unix seconds; a session cookie when omitted.', example: 1893456000 })
  @IsOptional()
  @IsNumber()
  expires?: number;
}

export class GeolocationDto {
  @ApiProperty({ description: 'Degrees north.', minimum: -90, maximum: 90, example: 52.52 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-90)
  @Max(90)
  latitude: number;

  @ApiProperty({ description: 'Degrees east.', minimum: -180, maximum: 180, example: 13.405 })
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
