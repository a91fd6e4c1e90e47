import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Script } from 'node:vm';
import {
  ArrayMaxSize,
  IsArray,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  registerDecorator,
  ValidationOptions,
} from 'class-validator';
import { LIMITS } from '../capture-defaults';

/** Resource types of block_resources: Chrome's own names (Network.ResourceType), lower-cased. */
export const RESOURCE_TYPES = [
  'image',
  'media',
  'font',
  'stylesheet',
  'script',
  'xhr',
  'fetch',
  'websocket',
  'eventsource',
  'manifest',
  'texttrack',
  'other',
] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** Limits of the capture-control fields (API.md part 2 sets the content list and styles ones). */
export const CONTROL_LIMITS = {
  contentStrings: 20,
  contentStringLength: 1000,
  stylesBytes: 100 * 1024,
  expressionLength: 10_000,
  blockPatterns: 100,
  patternLength: 2048,
  statusEntries: 50,
  /** Largest image_width / image_height, and largest side a one-sided scale may produce. */
  imageSide: LIMITS.viewport,
} as const;

/**
 * fail_if_content_contains / fail_if_content_missing: an optional list of at most
 * CONTROL_LIMITS.contentStrings strings, each with something besides white space and at most
 * CONTROL_LIMITS.contentStringLength characters.
 */
export const ContentStrings = () =>
  applyDecorators(
    IsOptional(),
    IsArray(),
    ArrayMaxSize(CONTROL_LIMITS.contentStrings),
    IsString({ each: true }),
    Matches(/\S/, { each: true, message: '$property entries must not be empty or only white space' }),
    MaxLength(CONTROL_LIMITS.contentStringLength, { each: true }),
  );

/** A rectangle of the page in CSS px: what `clip` captures. */
export class ClipDto {
  @ApiProperty({ description: 'Left edge, CSS px from the left of the page.', minimum: 0, example: 0 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(LIMITS.viewport)
  x: number;

  @ApiProperty({ description: 'Top edge, CSS px from the top of the page.', minimum: 0, example: 100 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(LIMITS.viewport * 4)
  y: number;

  @ApiProperty({ description: 'Width in CSS px.', minimum: 1, example: 400 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(1)
  @Max(LIMITS.viewport)
  width: number;

  @ApiProperty({ description: 'Height in CSS px.', minimum: 1, example: 300 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(1)
  @Max(LIMITS.viewport)
  height: number;
}

const STATUS_RANGE = /^\s*(\d{3})\s*-\s*(\d{3})\s*$/;
const STATUS = /^\s*(\d{3})\s*$/;

/** An inclusive range of HTTP statuses. */
export interface StatusRange {
  from: number;
  to: number;
}

/** 404, "404" or "500-599" as a range; undefined when the entry is none of them (or out of 100..599). */
export function parseStatusEntry(entry: unknown): StatusRange | undefined {
  const text = typeof entry === 'number' ? String(entry) : typeof entry === 'string' ? entry : '';
  const single = STATUS.exec(text);
  const range = STATUS_RANGE.exec(text);
  const [from, to] = single
    ? [Number(single[1]), Number(single[1])]
    : range
      ? [Number(range[1]), Number(range[2])]
      : [NaN, NaN];
  if (!(from >= 100 && to <= 599 && from <= to)) return undefined;
  return { from, to };
}

/** A list of HTTP statuses (100..599) and inclusive "from-to" ranges. */
export function IsStatusList(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isStatusList',
      target: object.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) =>
          Array.isArray(value) &&
          value.length <= CONTROL_LIMITS.statusEntries &&
          value.every((e) => parseStatusEntry(e) !== undefined),
        defaultMessage: (args) => {
          const value: unknown = args?.value;
          if (!Array.isArray(value))
            return `${propertyName} must be a list of statuses and ranges such as [404, "500-599"]`;
          if (value.length > CONTROL_LIMITS.statusEntries) {
            return `${propertyName} must have at most ${CONTROL_LIMITS.statusEntries} entries`;
          }
          const bad: unknown = value.find((e) => parseStatusEntry(e) === undefined);
          return `${propertyName} entry ${JSON.stringify(bad)} is not an HTTP status (100..599) or a range such as "500-599"`;
        },
      },
    });
}

/**
 * Why `expression` is not a JavaScript expression, or undefined when it is one. Compiled by V8 (never
 * run) as the body of an async arrow function, so `await` is allowed, like in wait_for_function's polling.
 */
export function expressionProblem(expression: string): string | undefined {
  try {
    new Script(`(async () => (\n${expression}\n))`);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** A string that parses as a JavaScript expression. */
export function IsJsExpression(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isJsExpression',
      target: object.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && expressionProblem(value) === undefined,
        defaultMessage: (args) =>
          typeof args?.value === 'string'
            ? `${propertyName} is not a JavaScript expression: ${expressionProblem(args.value as string)}`
            : `${propertyName} must be a string`,
      },
    });
}
