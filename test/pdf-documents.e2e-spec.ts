import { PDFDict, PDFDocument, PDFName, PDFString, PDFHexString } from 'pdf-lib';
import { startApp, TestApp } from './helpers/app';
import { FixtureServer } from './helpers/fixture-server';
import { pixel } from './helpers/images';
import { paintedArea, readPdf } from './helpers/pdf';
import { pdfInfo, pdfText, pdfWords } from './helpers/poppler';

/** An invoice long enough for three A4 pages (an A4 page holds 1123 CSS px). */
const INVOICE = `<!doctype html><html><head><meta charset="utf-8"><title>Invoice 2026-0042</title>
<style>body{font:14px sans-serif;margin:0} .row{height:100px;border-bottom:1px solid #ccc}</style></head>
<body><h1>Invoice 2026-0042</h1>${Array.from({ length: 26 }, (_, i) => `<div class="row">Line item ${i + 1}</div>`).join('')}
<p>THE END</p></body></html>`;

const FOOTER = 'Page <span class="pageNumber"></span> of <span class="totalPages"></span>';
const MAX_HTML = 100 * 1024;

describe('PDF documents: header/footer, page size, outline, tags, metadata, media type', () => {
  let svc: TestApp;
  let fixture: FixtureServer;

  beforeAll(async () => {
    fixture = await new FixtureServer()
      .page('/invoice', INVOICE)
      .route('/logo.png', (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'image/png' });
        res.end();
      })
      .start();
    svc = await startApp({ NETWORK_ALLOW: `127.0.0.1:${fixture.port}` });
  });
  afterAll(async () => {
    await svc?.close();
    await fixture?.stop();
  });

  const pdf = async (body: object): Promise<Buffer> => {
    const res = await svc.capture({
      html_content: INVOICE,
      format: 'pdf',
      wait_for_network: 'none',
      ...body,
    });
    expect({ status: res.status, body: res.status === 200 ? 'pdf' : res.body }).toEqual({
      status: 200,
      body: 'pdf',
    });
    return res.body as Buffer;
  };
  const rejected = async (body: object) => {
    const res = await svc.capture({ html_content: INVOICE, format: 'pdf', ...body });
    expect(res.status).toBe(400);
    expect(res.body.error_type).toBe('ValidationError');
    return String(res.body.error_details);
  };

  describe('pdf_header_html / pdf_footer_html', () => {
    it('fills pageNumber and totalPages on every page, and the title in the header', async () => {
      const body = await pdf({
        pdf_header_html: 'Issued by ACME: <span class="title"></span>',
        pdf_footer_html: FOOTER,
      });
      expect(pdfInfo(body).Pages).toBe('3');
      for (const page of [1, 2, 3]) {
        const text = pdfText(body, page);
        expect(text).toContain(`Page ${page} of 3`);
        expect(text).toContain('Issued by ACME: Invoice 2026-0042');
      }
    });

    it('prints header and footer text at a legible size, in margins made for them', async () => {
      // the page area is where Chrome paints the page's background: the margins are around it
      const html = INVOICE.replace('<style>', '<style>html{background:rgb(51,102,153)}');
      const body = await pdf({
        html_content: html,
        pdf_header_html: 'Header words',
        pdf_footer_html: FOOTER,
      });
      const words = pdfWords(body).filter((w) => w.page === 1);
      const header = words.find((w) => w.word === 'Header')!;
      const footer = words.find((w) => w.word === 'Page')!;
      for (const word of [header, footer]) {
        // 10pt text: its box is about 13 pt tall; Chrome's bare default is a speck (about 1 pt)
        expect(word.yMax - word.yMin).toBeGreaterThan(9);
        expect(word.yMax - word.yMin).toBeLessThan(16);
      }
      const [page] = readPdf(body);
      const area = paintedArea(page, [0.2, 0.4, 0.6])!;
      const mm20 = (20 * 72) / 25.4;
      expect(Math.abs(area.top - mm20)).toBeLessThanOrEqual(2); // 20mm margins on both sides...
      expect(Math.abs(page.height - area.top - area.height - mm20)).toBeLessThanOrEqual(2);
      expect(header.yMax).toBeLessThanOrEqual(area.top); // ...holding the header and the footer
      expect(footer.yMin).toBeGreaterThanOrEqual(area.top + area.height);
    });

    it('keeps a size the header sets itself, and the margin the request sets', async () => {
      const body = await pdf({
        pdf_header_html: '<span style="font-size:24px">Big</span>',
        pdf_margin_top: '30mm',
      });
      const big = pdfWords(body).find((w) => w.word === 'Big')!;
      expect(big.yMax - big.yMin).toBeGreaterThan(18); // 24px = 18pt
      // no footer asked for: Chrome's own default footer (url, page numbers) is not printed
      expect(pdfText(body, 1)).not.toMatch(/\d+\/\d+/);
    });

    it('never loads a subresource of the header or footer: images must be data: URLs', async () => {
      const before = fixture.hits('/logo.png').length;
      const body = await pdf({
        url: fixture.url('/invoice'),
        html_content: undefined,
        pdf_header_html: `<img src="${fixture.url('/logo.png')}"> Header`,
        pdf_footer_html: `<div style="background:url(${fixture.url('/logo.png')})">${FOOTER}</div>`,
      });
      expect(fixture.hits('/invoice').length).toBeGreaterThan(0); // the fixture was reachable
      expect(pdfText(body, 1)).toContain('Page 1 of 3');
      expect(fixture.hits('/logo.png').length).toBe(before);
    });

    it('answers 400 for a header or footer over 100 KiB', async () => {
      const big = 'x'.repeat(MAX_HTML + 1);
      expect(await rejected({ pdf_header_html: big })).toContain(
        'pdf_header_html must be at most 102400 bytes',
      );
      expect(await rejected({ pdf_footer_html: big })).toContain(
        'pdf_footer_html must be at most 102400 bytes',
      );
      // bytes, not characters: 51201 two-byte characters are over
      expect(await rejected({ pdf_footer_html: 'é'.repeat(MAX_HTML / 2 + 1) })).toContain('pdf_footer_html');
      // exactly 100 KiB is fine (padded with a comment: 100 KiB of text would take Chrome a minute to lay out)
      const padding = `<!--${'x'.repeat(MAX_HTML - FOOTER.length - 7)}-->`;
      expect(Buffer.byteLength(padding + FOOTER)).toBe(MAX_HTML);
      expect(pdfText(await pdf({ pdf_footer_html: padding + FOOTER }), 1)).toContain('Page 1 of 3');
    });
  });

  it('pdf_prefer_css_page_size: the page’s @page size wins over pdf_format', async () => {
    const html = `<style>@page { size: 100mm 150mm }</style><p>Sized by CSS</p>`;
    const [preferred] = readPdf(await pdf({ html_content: html, pdf_prefer_css_page_size: true }));
    expect(Math.round(preferred.width)).toBe(283); // 100 mm in points
    expect(Math.round(preferred.height)).toBe(425);
    const [fixed] = readPdf(await pdf({ html_content: html, pdf_format: 'A5' }));
    expect(Math.round(fixed.width)).toBe(420); // A5, the default false
  });

  it('pdf_single_page: one page exactly as tall as the content', async () => {
    const html = `<style>html,body{margin:0}</style><div style="height:3000px;background:rgb(0,0,255)"></div>
      <p style="margin:0;height:40px">THE END</p>`;
    const body = await pdf({ html_content: html, pdf_single_page: true });
    const pages = readPdf(body);
    expect(pages).toHaveLength(1);
    // Chrome rounds paper sizes to its own device units: within 2 pt
    expect(Math.abs(pages[0].width - 595.28)).toBeLessThanOrEqual(2); // A4's width
    // 3040 CSS px of content = 2280 pt (+ one px of slack)
    expect(Math.abs(pages[0].height - 2280)).toBeLessThanOrEqual(2);
    expect(pdfText(body)).toContain('THE END');
    const blue = paintedArea(pages[0], [0, 0, 1])!;
    expect(Math.round(blue.height)).toBe(2250);
    // with margins: the content keeps its height, the margins come around it
    const [margined] = readPdf(
      await pdf({ html_content: html, pdf_single_page: true, pdf_margin_top: '1in' }),
    );
    expect(Math.abs(margined.height - (2280 + 72))).toBeLessThanOrEqual(2);
    // content shorter than the viewport (1080 px): the page is as short as the content
    const short = '<style>html,body{margin:0}</style><div style="height:300px">Receipt</div>';
    const [receipt] = readPdf(await pdf({ html_content: short, pdf_single_page: true }));
    expect(Math.abs(receipt.height - 225)).toBeLessThanOrEqual(2);
  });

  it('pdf_single_page: cuts content taller than MAX_CAPTURE_HEIGHT there, and says so', async () => {
    const res = await svc.capture({
      html_content: '<style>html,body{margin:0}</style><div style="height:20000px;background:#00f"></div>',
      format: 'pdf',
      pdf_single_page: true,
      wait_for_network: 'none',
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-capture-truncated']).toBe('true');
    const pages = readPdf(res.body as Buffer);
    expect(pages).toHaveLength(1);
    expect(Math.abs(pages[0].height - 16384 * 0.75)).toBeLessThanOrEqual(2); // MAX_CAPTURE_HEIGHT's default
  });

  describe('pdf_outline and pdf_tagged', () => {
    const headings = '<h1>Summary</h1><p>a</p><h2>Details</h2><p>b</p><h1>Terms</h1><p>c</p>';
    const catalogOf = async (body: Buffer) => (await PDFDocument.load(body)).catalog;
    const titles = (outlines: PDFDict) => {
      const found: string[] = [];
      const walk = (item: PDFDict | undefined) => {
        for (let node = item; node; node = node.lookupMaybe(PDFName.of('Next'), PDFDict)) {
          const title = node.lookup(PDFName.of('Title'));
          if (title instanceof PDFString || title instanceof PDFHexString) found.push(title.decodeText());
          walk(node.lookupMaybe(PDFName.of('First'), PDFDict));
        }
      };
      walk(outlines.lookupMaybe(PDFName.of('First'), PDFDict));
      return found;
    };

    it('builds bookmarks from the headings with pdf_outline', async () => {
      const catalog = await catalogOf(await pdf({ html_content: headings, pdf_outline: true }));
      const outlines = catalog.lookupMaybe(PDFName.of('Outlines'), PDFDict);
      expect(outlines).toBeDefined();
      expect(titles(outlines!)).toEqual(['Summary', 'Details', 'Terms']);
      const plain = await catalogOf(await pdf({ html_content: headings }));
      expect(plain.lookupMaybe(PDFName.of('Outlines'), PDFDict)).toBeUndefined();
    });

    it('tags the PDF by default, and not with pdf_tagged: false', async () => {
      const tagged = await catalogOf(await pdf({ html_content: headings }));
      expect(tagged.lookupMaybe(PDFName.of('StructTreeRoot'), PDFDict)).toBeDefined();
      expect(pdfInfo(await pdf({ html_content: headings })).Tagged).toBe('yes');
      const untagged = await pdf({ html_content: headings, pdf_tagged: false });
      expect((await catalogOf(untagged)).lookupMaybe(PDFName.of('StructTreeRoot'), PDFDict)).toBeUndefined();
      expect(pdfInfo(untagged).Tagged).toBe('no');
    });

    it('answers 400 for pdf_outline with pdf_tagged: false', async () => {
      expect(await rejected({ pdf_outline: true, pdf_tagged: false })).toContain(
        'pdf_outline needs pdf_tagged',
      );
    });
  });

  describe('pdf_metadata', () => {
    it('writes title, author, subject, keywords and creator into the document information', async () => {
      const body = await pdf({
        pdf_metadata: {
          title: 'Rechnung für März',
          author: 'ACME Billing',
          subject: 'Invoice for November',
          keywords: ['invoice', 'acme'],
          creator: 'ACME Billing 3.2',
        },
        pdf_outline: true,
      });
      expect(pdfInfo(body)).toMatchObject({
        Title: 'Rechnung für März',
        Author: 'ACME Billing',
        Subject: 'Invoice for November',
        Keywords: 'invoice, acme',
        Creator: 'ACME Billing 3.2',
        Pages: '3',
        Tagged: 'yes',
      });
      // rewriting the information kept Chrome's outline
      const catalog = (await PDFDocument.load(body)).catalog;
      expect(catalog.lookupMaybe(PDFName.of('Outlines'), PDFDict)).toBeDefined();
    });

    it("takes the title from the page's <title> when the request gives none", async () => {
      const body = await pdf({ pdf_metadata: { author: 'ACME Billing' } });
      expect(pdfInfo(body)).toMatchObject({ Title: 'Invoice 2026-0042', Author: 'ACME Billing' });
    });

    it('answers 400 for metadata that is not text, a keyword list that is not a list, or an unknown entry', async () => {
      expect(await rejected({ pdf_metadata: { title: 42 } })).toContain('pdf_metadata.title');
      expect(await rejected({ pdf_metadata: { keywords: 'a, b' } })).toContain('pdf_metadata.keywords');
      expect(await rejected({ pdf_metadata: { producer: 'x' } })).toContain('pdf_metadata.producer');
      expect(await rejected({ pdf_metadata: 'Invoice' })).toContain('pdf_metadata');
      expect(await rejected({ pdf_metadata: { title: 'x'.repeat(1001) } })).toContain('pdf_metadata.title');
    });
  });

  describe('media_type', () => {
    const html = `<style>html,body{margin:0;background:rgb(255,255,255)}
      @media print { html,body { background: rgb(255,0,0) } }</style><div style="height:50px">x</div>`;

    it('renders images for the screen unless media_type is print', async () => {
      const shot = async (extra: object) => {
        const res = await svc.capture({
          html_content: html,
          window_width: 200,
          window_height: 100,
          ...extra,
        });
        expect(res.status).toBe(200);
        return pixel(res.body as Buffer, 100, 80);
      };
      expect(await shot({})).toEqual([255, 255, 255, 255]);
      expect(await shot({ media_type: 'print' })).toEqual([255, 0, 0, 255]);
    });

    it('prints PDFs for print unless media_type is screen', async () => {
      const [printed] = readPdf(await pdf({ html_content: html }));
      expect(paintedArea(printed, [1, 0, 0])).toBeDefined();
      const [screen] = readPdf(await pdf({ html_content: html, media_type: 'screen' }));
      expect(paintedArea(screen, [1, 0, 0])).toBeUndefined();
    });
  });

  it('takes every document field in GET /capture, nested ones as JSON', async () => {
    const res = await svc
      .http()
      .get('/capture')
      .query({
        url: fixture.url('/invoice'),
        format: 'pdf',
        wait_for_network: 'none',
        pdf_footer_html: FOOTER,
        pdf_outline: 'true',
        pdf_tagged: 'true',
        pdf_prefer_css_page_size: 'false',
        pdf_single_page: 'false',
        media_type: 'print',
        pdf_metadata: JSON.stringify({ author: 'GET author', keywords: ['a', 'b'] }),
      })
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(res.status).toBe(200);
    const body = res.body as Buffer;
    expect(pdfInfo(body)).toMatchObject({ Author: 'GET author', Keywords: 'a, b', Pages: '3' });
    expect(pdfText(body, 3)).toContain('Page 3 of 3');
  });
});
