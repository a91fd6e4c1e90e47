import type { CaptureMetadata } from '../capture/capture.types';
import { etagOf, ifNoneMatchHits } from './etag';

const META: CaptureMetadata = {
  final_url: 'https://example.com/',
  status_code: 200,
  title: 't',
  format: 'png',
  network_idle: true,
  truncated: false,
  duration_ms: 10,
};

describe('etagOf', () => {
  it('is the quoted body hash for raw bytes', () => {
    expect(etagOf('abc', 'by_format', META)).toBe('"abc"');
  });

  it('gives the JSON variant its own tag that follows the metadata', () => {
    const json = etagOf('abc', 'json', META);
    expect(json).toMatch(/^"j-[\w-]{43}"$/);
    expect(json).not.toBe(etagOf('abc', 'by_format', META));
    expect(etagOf('abc', 'json', { ...META })).toBe(json);
    expect(etagOf('abc', 'json', { ...META, title: 'u' })).not.toBe(json);
  });
});

describe('ifNoneMatchHits', () => {
  it.each([
    ['"abc"', true],
    ['"x", "abc"', true],
    ['W/"abc"', true],
    ['*', true],
    ['"abd"', false],
    ['abc', false],
    ['', false],
  ])('%j names "abc": %s', (header, expected) => {
    expect(ifNoneMatchHits(header, '"abc"')).toBe(expected);
  });

  it('is false without the header', () => {
    expect(ifNoneMatchHits(undefined, '"abc"')).toBe(false);
  });
});
