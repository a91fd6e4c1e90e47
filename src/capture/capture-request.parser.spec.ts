import { loadConfig } from '../config/app-config';
import { ValidationError } from '../common/errors';
import { parseCaptureRequest, queryToBody, validateCaptureRequest } from './capture-request.parser';
import { resolveCaptureOptions } from './capture-options';

const config = loadConfig({ MAX_HTML_BYTES: '2048' });

const problemsOf = (input: unknown): string[] => {
  try {
    parseCaptureRequest(input, config);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return ([] as string[]).concat((err as ValidationError).details ?? []);
  }
  return [];
};

describe('parseCaptureRequest', () => {
  it('accepts a minimal url request', () => {
    expect(problemsOf({ url: 'https://example.com' })).toEqual([]);
  });

  it('refuses a viewport over MAX_CAPTURE_PIXELS (width x height x density²), templates included', () => {
    // default budget 40e6: 3840 x 2160 at density 2 is 33.2e6, at density 3 74.6e6
    expect(
      problemsOf({ url: 'https://example.com', window_width: 3840, window_height: 2160, pixel_density: 2 }),
    ).toEqual([]);
    expect(
      problemsOf({ url: 'https://example.com', window_width: 3840, window_height: 2160, pixel_density: 3 }),
    ).toEqual([expect.stringContaining('74649600 device pixels, over MAX_CAPTURE_PIXELS (40000000)')]);
    expect(problemsOf({ url: 'https://example.com', template: 'iphone_13' })).toEqual([]);
  });

  it('rejects a body that is not an object', () => {
    expect(problemsOf([1, 2])).toEqual(['The request body must be a JSON object']);
    expect(problemsOf('url')).toEqual(['The request body must be a JSON object']);
  });

  it('names unknown fields, nested ones too', () => {
    const problems = problemsOf({
      url: 'https://example.com',
      fullpage: true,
      geolocation: { latitude: 1, longitude: 2, altitude: 3 },
    });
    expect(problems).toContain('unknown field "fullpage"');
    expect(problems).toContain('unknown field "geolocation.altitude"');
  });

  it('does not convert JSON strings into numbers or booleans', () => {
    const problems = problemsOf({ url: 'https://example.com', window_width: '1280', full_page: 'true' });
    expect(problems.join()).toMatch(/window_width/);
    expect(problems.join()).toMatch(/full_page/);
  });

  it.each(['HTTP://example.com', 'https://EXAMPLE.com/a?b=c#d'])('accepts %s', (url) => {
    expect(problemsOf({ url })).toEqual([]);
  });

  it.each(['JaVaScRiPt:alert(1)', 'file:/etc/passwd', 'http://a:b@example.com', 'http://x.com/\n'])(
    'rejects %j',
    (url) => {
      expect(problemsOf({ url }).length).toBeGreaterThan(0);
    },
  );

  it('rejects invalid header names and timezones and locales', () => {
    const problems = problemsOf({
      url: 'https://example.com',
      custom_headers: { 'Bad Header': 'x' },
      timezone: 'Mars/Olympus',
      locale: 'not a locale!',
    });
    expect(problems.join('|')).toMatch(/invalid header name "Bad Header"/);
    expect(problems.join('|')).toMatch(/timezone must be an IANA time zone/);
    expect(problems.join('|')).toMatch(/locale must be a BCP 47 language tag/);
  });

  it('lists the known templates for an unknown one', () => {
    expect(problemsOf({ url: 'https://example.com', template: 'watch' })).toEqual([
      'template must be one of: mobile, desktop_full, article_pdf, iphone_13, ipad, pixel_7',
    ]);
  });

  it('counts html_content in bytes, not characters', () => {
    expect(problemsOf({ html_content: 'é'.repeat(1100) })).toEqual([
      'html_content must be at most 2048 bytes',
    ]);
  });
});

describe('queryToBody', () => {
  it('converts by the declared field type', () => {
    expect(
      queryToBody({
        url: 'https://example.com',
        full_page: 'true',
        window_width: '1280',
        hide_selectors: '.a, #b',
        geolocation: '{"latitude":1,"longitude":2}',
        interactions: '[{"action":"click","selector":"#x"}]',
      }),
    ).toEqual({
      url: 'https://example.com',
      full_page: true,
      window_width: 1280,
      hide_selectors: ['.a', '#b'],
      geolocation: { latitude: 1, longitude: 2 },
      interactions: [{ action: 'click', selector: '#x' }],
    });
  });

  it('leaves unconvertible values for validation to name', () => {
    const dto = queryToBody({ url: 'https://example.com', full_page: 'maybe', window_width: 'wide' });
    expect(dto).toMatchObject({ full_page: 'maybe', window_width: 'wide' });
    expect(problemsOf(dto).length).toBe(2);
  });

  it('rejects broken JSON in a nested field', () => {
    expect(() => queryToBody({ geolocation: '{"latitude":' })).toThrow(ValidationError);
  });
});

describe('resolveCaptureOptions', () => {
  it('fills defaults, then the template, then the request', () => {
    const request = validateCaptureRequest(
      { url: 'https://example.com', template: 'iphone_13', window_width: 500 },
      config,
    );
    const opts = resolveCaptureOptions(request, config);
    expect(opts).toMatchObject({ window_width: 500, window_height: 844, pixel_density: 3, format: 'png' });
  });
});

describe('document fields (pdf_*, media_type)', () => {
  it('converts them from a GET query: booleans, a JSON pdf_metadata, HTML left as text', () => {
    const body = queryToBody({
      url: 'https://example.com',
      pdf_single_page: 'true',
      pdf_tagged: 'false',
      pdf_outline: '0',
      pdf_prefer_css_page_size: 'yes',
      pdf_footer_html: '<span class="pageNumber"></span>',
      pdf_metadata: '{"title":"T","keywords":["a","b"]}',
      media_type: 'print',
    });
    expect(body).toEqual({
      url: 'https://example.com',
      pdf_single_page: true,
      pdf_tagged: false,
      pdf_outline: false,
      pdf_prefer_css_page_size: true,
      pdf_footer_html: '<span class="pageNumber"></span>',
      pdf_metadata: { title: 'T', keywords: ['a', 'b'] },
      media_type: 'print',
    });
    expect(problemsOf(body)).toEqual([]);
  });

  it('names each bad document field', () => {
    const problems = problemsOf({
      url: 'https://example.com',
      pdf_header_html: 'é'.repeat(51201),
      pdf_metadata: { title: 1, keywords: 'a', extra: true },
      media_type: 'tv',
      pdf_outline: true,
      pdf_tagged: false,
    });
    expect(problems).toHaveLength(6);
    expect(problems).toEqual(
      expect.arrayContaining([
        'pdf_header_html must be at most 102400 bytes (100 KiB)',
        'pdf_metadata.title: title must be a string',
        'pdf_metadata.keywords: keywords must be an array',
        'unknown field "pdf_metadata.extra"',
        'media_type must be one of the following values: screen, print',
        'pdf_outline needs pdf_tagged: Chrome tags every PDF it builds an outline for',
      ]),
    );
  });

  it('defaults media_type to print for pdf and screen otherwise, a template counting as the request', () => {
    const media = (body: object) =>
      resolveCaptureOptions(parseCaptureRequest({ url: 'https://example.com', ...body }, config), config)
        .media_type;
    expect(media({})).toBe('screen');
    expect(media({ format: 'pdf' })).toBe('print');
    expect(media({ template: 'article_pdf' })).toBe('print');
    expect(media({ format: 'pdf', media_type: 'screen' })).toBe('screen');
    expect(media({ format: 'jpeg', media_type: 'print' })).toBe('print');
  });
});
