import { expressionProblem, parseStatusEntry } from './capture-control.dto';
import { targetSize } from '../image-resize';

describe('parseStatusEntry', () => {
  it.each([
    [404, { from: 404, to: 404 }],
    ['404', { from: 404, to: 404 }],
    ['500-599', { from: 500, to: 599 }],
    [' 400 - 404 ', { from: 400, to: 404 }],
  ])('%j is %j', (entry, range) => expect(parseStatusEntry(entry)).toEqual(range));

  it.each([[600], [99], ['abc'], ['599-500'], ['500-'], [404.5], [null], [{}]])(
    '%j is not a status',
    (entry) => expect(parseStatusEntry(entry)).toBeUndefined(),
  );
});

describe('expressionProblem', () => {
  it.each([
    'window.app.ready === true',
    'await fetch("/x").then((r) => r.ok)',
    'document.fonts.status === "loaded"',
  ])('accepts %s', (expression) => expect(expressionProblem(expression)).toBeUndefined());

  it.each(['window.app.ready ===', '}{', 'let x = 1; x'])('rejects %s', (expression) =>
    expect(expressionProblem(expression)).toEqual(expect.any(String)),
  );
});

describe('targetSize (image_width / image_height)', () => {
  it('keeps the aspect ratio with one side', () => {
    expect(targetSize({ width: 1280, height: 720 }, { width: 320 })).toEqual({ width: 320, height: 180 });
    expect(targetSize({ width: 1280, height: 720 }, { height: 90 })).toEqual({ width: 160, height: 90 });
  });

  it('gives exactly both sides when both are asked for', () => {
    expect(targetSize({ width: 1280, height: 720 }, { width: 100, height: 100 })).toEqual({
      width: 100,
      height: 100,
    });
  });

  it('refuses a one-sided scale whose other side would be over the limit', () => {
    expect(() => targetSize({ width: 100, height: 16000 }, { width: 1000 })).toThrow(/at most 16384/);
  });
});
