import { blockingRulesOf, matchesUrlPattern } from './request-blocking';

describe('matchesUrlPattern', () => {
  it.each([
    ['*://*.doubleclick.net/*', 'https://ad.doubleclick.net/x?y=1', true],
    ['*://*.doubleclick.net/*', 'https://doubleclick.net/x', false],
    ['*.mp4', 'http://cdn.example.com/v/clip.mp4', true],
    ['*.mp4', 'http://cdn.example.com/v/clip.mp4?t=1', false],
    ['*', 'http://a/', true],
    ['http://a/', 'http://a/', true],
    ['http://a/', 'http://a/b', false],
    ['*a*b', 'xxaxxbxxb', true],
    ['*tracker*', 'http://x/r/tracker.js', true],
    ['a*', 'b', false],
    ['', '', true],
  ])('%s against %s is %s', (pattern, url, expected) => {
    expect(matchesUrlPattern(pattern, url)).toBe(expected);
  });

  it('takes no more than O(pattern x url) for a hostile pattern', () => {
    const pattern = '*a'.repeat(500) + 'b';
    const url = 'a'.repeat(2048);
    const started = Date.now();
    expect(matchesUrlPattern(pattern, url)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('blockingRulesOf', () => {
  it('is undefined when nothing is blocked, so no interception is enabled', () => {
    expect(blockingRulesOf({})).toBeUndefined();
    expect(blockingRulesOf({ block_media: false, block_requests: [], block_resources: [] })).toBeUndefined();
  });

  it('makes block_media the image, media and font types, joined with block_resources', () => {
    const rules = blockingRulesOf({ block_media: true, block_resources: ['script', 'image'] })!;
    expect([...rules.types].sort()).toEqual(['font', 'image', 'media', 'script']);
    expect(rules.patterns).toEqual([]);
  });
});
