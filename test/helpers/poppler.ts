// poppler-utils (pdftotext, pdfinfo; installed by .ci/run): what a PDF reader extracts from a PDF.
import { execFileSync } from 'node:child_process';

/** The text of a PDF (or of page `page` only), as pdftotext lays it out. */
export function pdfText(pdf: Buffer, page?: number): string {
  const range = page === undefined ? [] : ['-f', String(page), '-l', String(page)];
  return execFileSync('pdftotext', ['-layout', ...range, '-', '-'], { input: pdf }).toString('utf8');
}

/** Every word with its box in points from the page's top left, page by page. */
export function pdfWords(
  pdf: Buffer,
): { page: number; word: string; xMin: number; yMin: number; yMax: number }[] {
  const html = execFileSync('pdftotext', ['-bbox', '-', '-'], { input: pdf }).toString('utf8');
  const words: ReturnType<typeof pdfWords> = [];
  let page = 0;
  for (const line of html.split('\n')) {
    if (line.includes('<page ')) page++;
    const m = /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<\/word>/.exec(
      line,
    );
    if (m) words.push({ page, word: m[4], xMin: Number(m[1]), yMin: Number(m[2]), yMax: Number(m[3]) });
  }
  return words;
}

/** pdfinfo's fields (Title, Author, Pages, Page size...), the raw text after the colon. */
export function pdfInfo(pdf: Buffer): Record<string, string> {
  const text = execFileSync('pdfinfo', ['-'], { input: pdf }).toString('utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line.includes(':'))
      .map((line) => [line.slice(0, line.indexOf(':')).trim(), line.slice(line.indexOf(':') + 1).trim()]),
  );
}
