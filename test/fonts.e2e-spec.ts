import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { startApp, TestApp } from './helpers/app';
import { FixtureServer } from './helpers/fixture-server';

/**
 * One sample per script of API.md part 2 ("every script a real page may use
 * renders with real glyphs"), each with the lang a real page would carry.
 */
const SCRIPTS: { name: string; lang: string; text: string }[] = [
  { name: 'Japanese', lang: 'ja', text: 'ひらがなとカタカナと漢字' },
  { name: 'Chinese (simplified)', lang: 'zh-CN', text: '简体中文的汉字' },
  { name: 'Chinese (traditional)', lang: 'zh-TW', text: '繁體中文的漢字' },
  { name: 'Korean', lang: 'ko', text: '한국어 문장입니다' },
  { name: 'Devanagari (Hindi)', lang: 'hi', text: 'हिन्दी भाषा' },
  { name: 'Tamil', lang: 'ta', text: 'தமிழ் மொழி' },
  { name: 'Bengali', lang: 'bn', text: 'বাংলা ভাষা' },
  { name: 'Thai', lang: 'th', text: 'ภาษาไทยสวัสดี' },
  { name: 'Hebrew', lang: 'he', text: 'עברית שלום' },
  { name: 'Arabic', lang: 'ar', text: 'اللغة العربية' },
  { name: 'Greek', lang: 'el', text: 'Ελληνική γλώσσα' },
  { name: 'Cyrillic', lang: 'ru', text: 'Русский язык' },
  { name: 'emoji', lang: 'en', text: '😀🎉🚀🌍' },
];

/** As many code points of the Private Use Area as `text` has: no installed font covers U+E000..U+E03F. */
const uncovered = (text: string) =>
  [...text].map((ch, i) => (ch === ' ' ? ' ' : String.fromCodePoint(0xe000 + (i % 64)))).join('');

const page = (lang: string, text: string) =>
  `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><style>
  html,body{margin:0;background:#fff;color:#000}p{margin:10px;font:40px sans-serif;white-space:nowrap}
  </style></head><body><p>${text}</p></body></html>`;

interface Raster {
  data: Buffer;
  width: number;
}
/** Pixels that are not white. */
const inked = (img: Raster) => {
  let n = 0;
  for (let i = 0; i < img.data.length; i += 4) if (img.data[i] + img.data[i + 1] + img.data[i + 2] < 700) n++;
  return n;
};
/** Pixels where two same-sized images differ. */
const differing = (a: Raster, b: Raster) => {
  let n = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    if (Math.abs(a.data[i] - b.data[i]) + Math.abs(a.data[i + 1] - b.data[i + 1]) > 60) n++;
  }
  return n;
};
/** The inked part of an image (renderings placed differently on the line compare by their ink). */
const crop = (img: Raster): Raster => {
  const height = img.data.length / 4 / img.width;
  let [top, left, bottom, right] = [height, img.width, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < img.width; x++) {
      const i = (y * img.width + x) * 4;
      if (img.data[i] + img.data[i + 1] + img.data[i + 2] >= 700) continue;
      [top, left, bottom, right] = [
        Math.min(top, y),
        Math.min(left, x),
        Math.max(bottom, y),
        Math.max(right, x),
      ];
    }
  }
  const width = right - left + 1;
  const data = Buffer.alloc(width * (bottom - top + 1) * 4);
  for (let y = top; y <= bottom; y++) {
    img.data.copy(data, (y - top) * width * 4, (y * img.width + left) * 4, (y * img.width + right + 1) * 4);
  }
  return { data, width };
};
/** Same face: the same inked width (the glyphs' advances) and within 5% of the same ink. */
const sameFace = (a: Raster, b: Raster) =>
  crop(a).width === crop(b).width && Math.abs(inked(a) - inked(b)) <= inked(b) * 0.05;

/** Pixels with a colour (not a grey): the colour emoji font paints them. */
const coloured = (img: Raster) => {
  let n = 0;
  for (let i = 0; i < img.data.length; i += 4) {
    const [r, g, b] = [img.data[i], img.data[i + 1], img.data[i + 2]];
    if (Math.max(r, g, b) - Math.min(r, g, b) > 80) n++;
  }
  return n;
};

describe('fonts for the world’s scripts', () => {
  let svc: TestApp;

  beforeAll(async () => {
    svc = await startApp();
  });
  afterAll(async () => {
    await svc?.close();
  });

  const shot = async (html: string): Promise<Raster> => {
    const res = await svc.capture({
      html_content: html,
      window_width: 800,
      window_height: 80,
      wait_for_network: 'none',
    });
    expect(res.status).toBe(200);
    return PNG.sync.read(res.body as Buffer);
  };

  it.each(SCRIPTS)('renders $name with real glyphs, not the boxes of uncovered code points', async (s) => {
    const text = await shot(page(s.lang, s.text));
    const tofu = await shot(page(s.lang, uncovered(s.text)));
    // not blank, and not what a missing font gives (the primary font's .notdef box per code point)
    expect(inked(text)).toBeGreaterThan(300);
    expect(differing(text, tofu)).toBeGreaterThan(inked(text) / 4);
  });

  it('paints emoji in colour', async () => {
    expect(coloured(await shot(page('en', '😀🎉🚀🌍')))).toBeGreaterThan(500);
  });

  // 骨 and 直 have different forms in Japanese, Simplified and Traditional Chinese typography
  it('gives Chinese and Japanese text the regional form its lang asks for', async () => {
    const han = '骨骨 直直 角角';
    const forms = await Promise.all(['zh-CN', 'zh-TW', 'ja'].map((lang) => shot(page(lang, han))));
    for (let a = 0; a < forms.length; a++) {
      for (let b = a + 1; b < forms.length; b++) expect(differing(forms[a], forms[b])).toBeGreaterThan(50);
    }
    // a lang without a region takes the usual form of the language
    expect(differing(await shot(page('zh', han)), forms[0])).toBe(0);
    expect(differing(await shot(page('zh-Hant', han)), forms[1])).toBe(0);
  });

  it('gives Arabic and Hebrew tagged with their language the Noto face (src/browser-pool/fonts.conf)', async () => {
    for (const [lang, family, text] of [
      ['ar', 'Noto Sans Arabic', 'العربية'], // no space: it would come from the page's own font
      ['he', 'Noto Sans Hebrew', 'עברית'],
    ]) {
      const tagged = await shot(page(lang, text));
      const noto = await shot(page(lang, `<span style="font-family:'${family}'">${text}</span>`));
      expect({ lang, sameFace: sameFace(tagged, noto) }).toEqual({ lang, sameFace: true });
    }
  });
});

/** A face no page has by default, so the web font and the fallback look different. */
const FONT = readFileSync('/usr/share/fonts/truetype/noto/NotoSerif-BoldItalic.ttf');
const FONT_DELAY_MS = 1500;

/**
 * The text that uses the web font is written after the load event, so
 * neither the load nor `wait_for_network: none` waits for the font: only the
 * web-font wait does. `?ref` marks the html element once the font surely
 * loaded (the reference capture waits for that); `src` picks the font URL.
 */
const lateFontPage = (src: string) => `<!doctype html><html><head><style>
@font-face{font-family:Slow;src:url(${src})}
html,body{margin:0;background:#fff}p{margin:10px;font:40px Slow, sans-serif}
</style></head><body><script>
addEventListener('load', async () => {
  document.body.innerHTML = '<p>Web fonts, awaited</p>';
  if (location.search === '?ref') {
    await document.fonts.load('40px Slow');
    document.documentElement.className = 'font-loaded';
  }
});
</script></body></html>`;

describe('web fonts', () => {
  let svc: TestApp;
  let fixture: FixtureServer;

  beforeAll(async () => {
    fixture = await new FixtureServer()
      .route('/slow.ttf', (_req, res) => {
        setTimeout(() => {
          res.writeHead(200, { 'Content-Type': 'font/ttf' });
          res.end(FONT);
        }, FONT_DELAY_MS);
      })
      .route('/never.ttf', () => undefined) // answers nothing, ever
      .page('/late', lateFontPage('/slow.ttf'))
      .page('/fallback', lateFontPage('/missing.ttf'))
      .page('/hanging', lateFontPage('/never.ttf'))
      .start();
    svc = await startApp({ NETWORK_ALLOW: `127.0.0.1:${fixture.port}` });
  });
  afterAll(async () => {
    await svc?.close();
    await fixture?.stop();
  });

  const shot = async (path: string, extra: object = {}) => {
    const res = await svc.capture({
      url: fixture.url(path),
      window_width: 500,
      window_height: 80,
      ...extra,
    });
    expect(res.status).toBe(200);
    return PNG.sync.read(res.body as Buffer);
  };

  it('captures a page in its slow web font, also with wait_for_network: none', async () => {
    const awaited = await shot('/late', { wait_for_network: 'none' });
    const loaded = await shot('/late?ref', {
      wait_for_network: 'none',
      wait_for_selector: 'html.font-loaded',
    });
    const fallback = await shot('/fallback', { wait_for_network: 'none' });
    expect(inked(awaited)).toBeGreaterThan(300);
    expect(differing(awaited, loaded)).toBe(0);
    expect(differing(loaded, fallback)).toBeGreaterThan(300);
  });

  it('waits for a font that never arrives no longer than wait_for_timeout', async () => {
    const startedAt = Date.now();
    const shown = await shot('/hanging', { wait_for_network: 'none', wait_for_timeout: 2000 });
    expect(Date.now() - startedAt).toBeLessThan(20000); // not the 90 s request deadline
    expect(shown.width).toBe(500);
  });
});
