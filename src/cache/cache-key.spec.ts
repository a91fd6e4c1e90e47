import 'reflect-metadata';
import { loadConfig } from '../config/app-config';
import { parseCaptureRequest } from '../capture/capture-request.parser';
import { canonicalCaptureRequest, canonicalJson, captureCacheKey } from './cache-key';

const config = loadConfig({});
const keyOf = (body: object, cfg = config) => captureCacheKey(parseCaptureRequest(body, cfg));
const URL_A = 'https://example.com/page';

describe('captureCacheKey', () => {
  it('is a versioned SHA-256 in hex', () => {
    expect(keyOf({ url: URL_A })).toMatch(/^v1:[0-9a-f]{64}$/);
  });

  it('treats a field left out and the same field set to its default as one capture', () => {
    expect(keyOf({ url: URL_A, format: 'png' })).toBe(keyOf({ url: URL_A }));
    expect(keyOf({ url: URL_A, window_width: 1920, full_page: false })).toBe(keyOf({ url: URL_A }));
  });

  it('keeps content_disposition in the key: attachment is the default, inline is another entry', () => {
    expect(keyOf({ url: URL_A, content_disposition: 'attachment' })).toBe(keyOf({ url: URL_A }));
    expect(keyOf({ url: URL_A, content_disposition: 'inline' })).not.toBe(keyOf({ url: URL_A }));
  });

  it('ignores the order of fields, nested ones included', () => {
    const a = keyOf({
      url: URL_A,
      format: 'jpeg',
      custom_headers: { 'X-A': '1', 'X-B': '2' },
      cookies: [{ name: 's', value: 'v', domain: 'example.com' }],
    });
    const b = keyOf({
      cookies: [{ domain: 'example.com', value: 'v', name: 's' }],
      custom_headers: { 'X-B': '2', 'X-A': '1' },
      format: 'jpeg',
      url: URL_A,
    });
    expect(a).toBe(b);
  });

  it('leaves cache, cache_ttl and response_type out: they do not change the bytes', () => {
    const plain = keyOf({ url: URL_A });
    expect(keyOf({ url: URL_A, cache: true, cache_ttl: 60, response_type: 'json' })).toBe(plain);
    expect(keyOf({ url: URL_A, response_type: 'empty' })).toBe(plain);
  });

  it('applies the template before hashing', () => {
    expect(keyOf({ url: URL_A, template: 'mobile', window_width: 390 })).toBe(
      keyOf({ url: URL_A, template: 'mobile' }),
    );
    expect(keyOf({ url: URL_A, template: 'mobile' })).not.toBe(keyOf({ url: URL_A }));
  });

  it('uses the URL in its normal form', () => {
    expect(keyOf({ url: 'https://EXAMPLE.com' })).toBe(keyOf({ url: 'https://example.com/' }));
    expect(keyOf({ url: 'https://example.com:443/a' })).toBe(keyOf({ url: 'https://example.com/a' }));
    expect(keyOf({ url: 'https://example.com/a' })).not.toBe(keyOf({ url: 'https://example.com/b' }));
  });

  it.each([
    ['cookies', { cookies: [{ name: 's', value: 'v', domain: 'example.com' }] }],
    ['custom_headers', { custom_headers: { 'X-Preview': '1' } }],
    ['custom_js', { custom_js: 'document.body.remove()' }],
    ['interactions', { interactions: [{ action: 'click', selector: '#go' }] }],
    ['an output option', { format: 'webp' }],
    ['a viewport option', { window_width: 1280 }],
  ])('changes with %s', (_name, extra) => {
    expect(keyOf({ url: URL_A, ...extra })).not.toBe(keyOf({ url: URL_A }));
  });

  it('keeps the order of interactions: a different order is a different capture', () => {
    const click = { action: 'click', selector: '#a' };
    const hover = { action: 'hover', selector: '#b' };
    expect(keyOf({ url: URL_A, interactions: [click, hover] })).not.toBe(
      keyOf({ url: URL_A, interactions: [hover, click] }),
    );
  });

  it('hashes html_content, and a different config default is a different capture', () => {
    expect(keyOf({ html_content: '<p>a</p>' })).not.toBe(keyOf({ html_content: '<p>b</p>' }));
    const withBlocker = loadConfig({ USE_COOKIE_BLOCKER: 'true' });
    expect(keyOf({ url: URL_A }, withBlocker)).not.toBe(keyOf({ url: URL_A }));
  });

  it('never puts the excluded fields in the canonical text', () => {
    const text = canonicalCaptureRequest(
      parseCaptureRequest({ url: URL_A, cache: false, cache_ttl: 5, response_type: 'json' }, config),
    );
    expect(text).not.toMatch(/"cache"|"cache_ttl"|"response_type"/);
    expect(text).toContain('"url":"https://example.com/page"');
  });
});

describe('captureCacheKey and the document fields', () => {
  const PDF = { url: URL_A, format: 'pdf' };
  it('makes every document field that changes the output part of the key', () => {
    const variants: object[] = [
      { pdf_header_html: 'H' },
      { pdf_footer_html: 'F' },
      { pdf_prefer_css_page_size: true },
      { pdf_single_page: true },
      { pdf_outline: true },
      { pdf_tagged: false },
      { pdf_metadata: { title: 'T' } },
      { pdf_metadata: { keywords: ['a'] } },
      { media_type: 'screen' },
    ];
    const keys = new Set([keyOf(PDF), ...variants.map((v) => keyOf({ ...PDF, ...v }))]);
    expect(keys.size).toBe(variants.length + 1);
  });

  it('treats the default media type, left out or given, as one capture', () => {
    expect(keyOf({ ...PDF, media_type: 'print' })).toBe(keyOf(PDF));
    expect(keyOf({ url: URL_A, media_type: 'screen' })).toBe(keyOf({ url: URL_A }));
    expect(keyOf({ url: URL_A, media_type: 'print' })).not.toBe(keyOf({ url: URL_A }));
    expect(keyOf({ ...PDF, pdf_tagged: true })).toBe(keyOf(PDF));
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth, keeps array order and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: undefined } })).toBe('{"a":{"d":[2,1]},"b":1}');
    expect(canonicalJson([{ y: 1, x: null }])).toBe('[{"x":null,"y":1}]');
  });

  it('keys every capture-control field that changes the output', () => {
    const plain = keyOf({ url: URL_A });
    const changes: object[] = [
      { wait_for_function: 'window.ready' },
      { wait_for_selector_hidden: '.spinner' },
      { fail_on_status: [404] },
      { fail_on_page_error: true },
      { fail_if_content_contains: ['x'] },
      { fail_if_content_missing: ['x'] },
      { block_requests: ['*.mp4'] },
      { block_resources: ['image'] },
      { styles: 'body{color:red}' },
      { javascript_enabled: false },
      { scroll_into_view: '#x' },
      { clip: { x: 0, y: 0, width: 10, height: 10 } },
      { image_width: 100 },
      { image_height: 100 },
      { format: 'markdown' },
    ];
    const keys = changes.map((extra) => keyOf({ url: URL_A, ...extra }));
    expect(keys).not.toContain(plain);
    expect(new Set(keys).size).toBe(changes.length);
    expect(keyOf({ url: URL_A, javascript_enabled: true, fail_on_page_error: false })).toBe(plain);
  });
});
