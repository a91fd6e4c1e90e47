import { Socket } from 'node:net';
import { startApp, TestApp } from './helpers/app';

/** Every oversized or out-of-range input is a 4xx in the envelope: never a 500, a hang or a bare status line. */
const expectEnvelope = (
  res: { status: number; body: any; headers: Record<string, string> },
  status: number,
  type: string,
) => {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toMatchObject({ status: 'error', error_type: type });
  expect(res.body.request_id).toEqual(expect.any(String));
};

/** Sends raw bytes and returns the raw HTTP answer. */
const raw = (port: number, bytes: string) =>
  new Promise<string>((resolve, reject) => {
    const socket = new Socket();
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.connect(port, '127.0.0.1', () => socket.write(bytes));
  });

describe('input limits', () => {
  let svc: TestApp;
  const HTML = '<p>x</p>';

  beforeAll(async () => {
    // Nothing here needs a browser: every request is refused before a page is opened.
    svc = await startApp({ BROWSER_POOL_MIN: '0', MAX_HTML_BYTES: '4096', MAX_WAIT_TIMEOUT_MS: '60000' });
  });

  afterAll(async () => {
    await svc?.close();
  });

  it.each<[string, unknown]>([
    ['window_width', 0],
    ['window_width', 16385],
    ['window_width', -1],
    ['window_width', 12.5],
    ['window_width', '800'],
    ['window_height', 16385],
    ['pixel_density', 0.4],
    ['pixel_density', 3.01],
    ['image_quality', -1],
    ['image_quality', 101],
    ['pdf_scale', 0.05],
    ['pdf_scale', 2.5],
    ['delay_capture', -1],
    ['delay_capture', 30001],
    ['wait_for_timeout', 60001],
    ['geolocation', { latitude: 91, longitude: 0, accuracy: 1 }],
    ['geolocation', { latitude: 0, longitude: -181, accuracy: 1 }],
    ['geolocation', { latitude: 0, longitude: 0, accuracy: 0 }],
  ])('400 when %s is %j', async (field, value) => {
    const res = await svc.capture({ html_content: HTML, [field]: value });
    expectEnvelope(res, 400, 'ValidationError');
    expect(res.body.error_details).toContain(field);
  });

  it('400 for a number that overflows to Infinity in the JSON body', async () => {
    const res = await svc
      .http()
      .post('/capture')
      .set('Content-Type', 'application/json')
      .send('{"html_content":"<p>x</p>","window_width":1e309}');
    expectEnvelope(res, 400, 'ValidationError');
    expect(res.body.error_details).toContain('window_width');
  });

  it.each([
    ['hide_selectors', Array.from({ length: 101 }, (_, i) => `.c${i}`)],
    ['interactions', Array.from({ length: 51 }, () => ({ action: 'scroll', y: 10 }))],
    [
      'cookies',
      Array.from({ length: 101 }, (_, i) => ({ name: `c${i}`, value: 'v', domain: 'example.com' })),
    ],
    ['custom_js', 'x'.repeat(100_001)],
    ['user_agent', 'u'.repeat(1001)],
  ])('400 when %s is over its size limit', async (field, value) => {
    const res = await svc.capture({ html_content: HTML, [field]: value });
    expectEnvelope(res, 400, 'ValidationError');
    expect(res.body.error_details).toContain(field);
  });

  it('counts html_content in bytes, not characters', async () => {
    const euros = '€'.repeat(1500); // 1500 characters, 4500 bytes
    const res = await svc.capture({ html_content: euros });
    expectEnvelope(res, 400, 'ValidationError');
    expect(res.body.error_details).toContain('html_content must be at most 4096 bytes');
  });

  it('413 for a body over the limit', async () => {
    const res = await svc.capture({ html_content: 'x'.repeat(300 * 1024) });
    expectEnvelope(res, 413, 'PayloadTooLargeError');
  });

  it.each([
    ['window_width=NaN', 'window_width=NaN&url=https://example.com/', 'window_width'],
    ['window_width=100000', 'window_width=100000&url=https://example.com/', 'window_width'],
    ['pixel_density=Infinity', 'pixel_density=Infinity&url=https://example.com/', 'pixel_density'],
    ['image_quality=1e3', 'image_quality=1e3&url=https://example.com/', 'image_quality'],
    ['a url over 2048 characters', `url=https://example.com/${'a'.repeat(2048)}`, 'url'],
  ])('GET: 400 for %s', async (_label, query, field) => {
    const res = await svc.http().get(`/capture?${query}`);
    expectEnvelope(res, 400, 'ValidationError');
    expect(res.body.error_details).toContain(field);
  });

  it('GET: a query over the 16 KiB header limit is a 431 in the envelope, not a bare status line', async () => {
    const port = (svc.app.getHttpServer().address() as { port: number }).port;
    const answer = await raw(
      port,
      `GET /capture?html_content=${'x'.repeat(20 * 1024)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(answer).toMatch(/content-type: application\/json/i);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    expect(body).toMatchObject({ status: 'error', error_type: 'PayloadTooLargeError' });
    expect(body.error_details).toContain('POST');
  });

  it('a malformed HTTP request is a 400 in the envelope', async () => {
    const port = (svc.app.getHttpServer().address() as { port: number }).port;
    const answer = await raw(port, 'NOT HTTP AT ALL\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    expect(body).toMatchObject({ status: 'error', error_type: 'ValidationError' });
  });
});
