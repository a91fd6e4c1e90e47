import { PNG } from 'pngjs';

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(buf: Buffer): { width: number; height: number } {
  expect(buf.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

/** RGBA of one pixel of a PNG. */
export function pixel(buf: Buffer, x: number, y: number): [number, number, number, number] {
  const png = PNG.sync.read(buf);
  const i = (png.width * y + x) * 4;
  return [png.data[i], png.data[i + 1], png.data[i + 2], png.data[i + 3]];
}

/** supertest: collect a binary body into a Buffer. */
export function binaryParser(res: any, done: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
  res.on('error', (err: Error) => done(err, Buffer.alloc(0)));
}

/** supertest: a JSON body parsed (the error envelope, response_type=json), any other body as a Buffer. */
export function jsonOrBinaryParser(res: any, done: (err: Error | null, body: unknown) => void): void {
  const type = String(res.headers['content-type'] ?? '');
  if (type.startsWith('application/json')) {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => (text += c));
    res.on('end', () => done(null, JSON.parse(text || 'null')));
  } else binaryParser(res, done);
}
