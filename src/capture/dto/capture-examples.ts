/**
 * Named request examples of POST /capture shown by Swagger UI ("Examples" on the request body). Each asks for
 * `content_disposition: inline`, so "Try it out" shows the capture instead of offering a download.
 */
const EXAMPLES = {
  html: {
    summary: 'HTML as a PNG (works offline)',
    value: {
      html_content: '<h1 style="font-family:sans-serif;color:#0a6">Hello from Pixashot</h1>',
      window_width: 800,
      window_height: 400,
    },
  },
  basic: {
    summary: 'A 1280x720 PNG of a page',
    value: { url: 'https://example.com', window_width: 1280, window_height: 720 },
  },
  wait_for_app: {
    summary: 'Wait for the application, refuse an error page',
    value: {
      url: 'https://example.com/dashboard',
      wait_for_selector_hidden: '.spinner',
      wait_for_function: 'window.chartsReady === true',
      fail_on_status: [404, '500-599'],
      fail_on_page_error: true,
      fail_if_content_contains: ['Access denied'],
    },
  },
  thumbnail: {
    summary: 'A 320x200 thumbnail without trackers and web fonts',
    value: {
      url: 'https://example.com',
      block_requests: ['*://*.doubleclick.net/*', '*google-analytics.com*'],
      block_resources: ['font', 'media'],
      styles: '.cookie-banner { display: none !important; }',
      image_width: 320,
      image_height: 200,
    },
  },
  clip: {
    summary: 'One region of the page, at density 2',
    value: { url: 'https://example.com', clip: { x: 0, y: 400, width: 600, height: 300 }, pixel_density: 2 },
  },
  markdown: {
    summary: 'The main content as Markdown, scripts off',
    value: { url: 'https://example.com/article', format: 'markdown', javascript_enabled: false },
  },
  metadata: {
    summary: 'JSON with the page metadata (description, Open Graph, icons, canonical URL, lang)',
    value: { url: 'https://example.com', response_type: 'json', image_width: 400 },
  },
};

export const CAPTURE_EXAMPLES = Object.fromEntries(
  Object.entries(EXAMPLES).map(([name, { summary, value }]) => [
    name,
    { summary, value: { ...value, content_disposition: 'inline' } },
  ]),
);
