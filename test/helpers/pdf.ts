// A small PDF reader for e2e specs: enough of what Chrome (Skia/PDF) writes to
// see the pages' sizes and where each colour is painted on them.
import { inflateSync } from 'node:zlib';

export interface Fill {
  rgb: number[];
  /** In PDF points from the page's top left corner. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PdfPage {
  width: number;
  height: number;
  fills: Fill[];
}

type Matrix = [number, number, number, number, number, number];
const multiply = (m: Matrix, n: Matrix): Matrix => [
  m[0] * n[0] + m[1] * n[2],
  m[0] * n[1] + m[1] * n[3],
  m[2] * n[0] + m[3] * n[2],
  m[2] * n[1] + m[3] * n[3],
  m[4] * n[0] + m[5] * n[2] + n[4],
  m[4] * n[1] + m[5] * n[3] + n[5],
];

/**
 * The filled rectangles of a content stream with their fill colour, in page
 * space: follows q/Q/cm for the transform and rg for the colour; a clip
 * path (`re W n`) is not a fill.
 */
function fillsOf(content: string, pageHeight: number): Fill[] {
  const fills: Fill[] = [];
  const stack: Matrix[] = [];
  let ctm: Matrix = [1, 0, 0, 1, 0, 0];
  let rgb = [0, 0, 0];
  let operands: number[] = [];
  let path: Fill[] = [];
  for (const token of content.split(/\s+/)) {
    if (/^[-+]?(\d+\.?\d*|\.\d+)$/.test(token)) {
      operands.push(Number(token));
      continue;
    }
    if (token === 'q') stack.push(ctm);
    else if (token === 'Q') ctm = stack.pop() ?? [1, 0, 0, 1, 0, 0];
    else if (token === 'cm' && operands.length === 6) ctm = multiply(operands as Matrix, ctm);
    else if (token === 'rg' && operands.length === 3) rgb = operands;
    else if (token === 're' && operands.length === 4) {
      const [x, y, w, h] = operands;
      const xs = [x, x + w].map((px) => ctm[0] * px + ctm[4]);
      const ys = [y, y + h].map((py) => ctm[3] * py + ctm[5]);
      // no rotation in Chrome's output: the corners map through the diagonal
      path.push({
        rgb,
        x: Math.min(...xs),
        y: pageHeight - Math.max(...ys),
        width: Math.abs(xs[1] - xs[0]),
        height: Math.abs(ys[1] - ys[0]),
      });
    } else if (token === 'f' || token === 'f*') {
      fills.push(...path);
      path = [];
    } else if (token === 'n') path = [];
    operands = [];
  }
  return fills;
}

/** The pages of a PDF Chrome made, in order: size (from /MediaBox, uncompressed) and the fills they paint. */
export function readPdf(pdf: Buffer): PdfPage[] {
  if (pdf.subarray(0, 5).toString() !== '%PDF-')
    throw new Error(`not a PDF: ${pdf.subarray(0, 40).toString()}`);
  const text = pdf.toString('latin1'); // one char per byte: string offsets are byte offsets
  const objects = new Map<string, { dict: string; stream?: Buffer }>();
  for (const m of text.matchAll(/(\d+) 0 obj\s*([\s\S]*?)endobj/g)) {
    const body = m[2];
    const streamAt = /stream\r?\n/.exec(body);
    if (!streamAt) {
      objects.set(m[1], { dict: body });
      continue;
    }
    const dict = body.slice(0, streamAt.index);
    const bodyAt = m.index + m[0].length - 'endobj'.length - body.length;
    const start = bodyAt + streamAt.index + streamAt[0].length;
    const length = Number(/\/Length (\d+)/.exec(dict)![1]);
    const raw = pdf.subarray(start, start + length);
    objects.set(m[1], { dict, stream: dict.includes('/FlateDecode') ? inflateSync(raw) : raw });
  }
  const pageTree = [...objects.values()].find((o) => /\/Type\s*\/Pages\b/.test(o.dict))!;
  const kids = [.../\/Kids\s*\[([^\]]*)\]/.exec(pageTree.dict)![1].matchAll(/(\d+) 0 R/g)].map((k) => k[1]);
  return kids.map((id) => {
    const { dict } = objects.get(id)!;
    const box = /\/MediaBox\s*\[([^\]]*)\]/.exec(dict)![1].trim().split(/\s+/).map(Number);
    const width = box[2] - box[0];
    const height = box[3] - box[1];
    const contentIds = [.../\/Contents\s*(\[[^\]]*\]|\d+ 0 R)/.exec(dict)![1].matchAll(/(\d+) 0 R/g)];
    const content = contentIds.map((c) => objects.get(c[1])!.stream!.toString('latin1')).join('\n');
    return { width, height, fills: fillsOf(content, height) };
  });
}

const sameColour = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]) < 0.01);

/** The box around every fill of `rgb` on a page, in points from the top left; undefined when nothing has that colour. */
export function paintedArea(page: PdfPage, rgb: number[]) {
  const fills = page.fills.filter((f) => sameColour(f.rgb, rgb));
  if (!fills.length) return undefined;
  const left = Math.min(...fills.map((f) => f.x));
  const top = Math.min(...fills.map((f) => f.y));
  const right = Math.max(...fills.map((f) => f.x + f.width));
  const bottom = Math.max(...fills.map((f) => f.y + f.height));
  return { left, top, width: right - left, height: bottom - top };
}
