import type { Page } from 'puppeteer-core';

/** Open Graph fields of response_type=json metadata (og:title...). */
export interface OpenGraph {
  title?: string;
  description?: string;
  image?: string;
  url?: string;
  type?: string;
  site_name?: string;
}

/** What the page says about itself; members are left out when the page does not have them. */
export interface PageMetadata {
  title: string;
  description?: string;
  open_graph?: OpenGraph;
  icons?: string[];
  canonical_url?: string;
  lang?: string;
}

/** The page writes these: each string is cut to this length, the icon list to MAX_ICONS entries. */
const MAX_TEXT = 2000;
const MAX_ICONS = 20;

/**
 * Title, description, Open Graph, icons, canonical URL and language, in one
 * evaluation (the title was one anyway). URLs are made absolute against the
 * document's base URL; only http(s) ones are kept (a data: icon can be
 * megabytes). A page that cannot be read gives just an empty title.
 */
export async function readPageMetadata(page: Page): Promise<PageMetadata> {
  const read = await page
    .evaluate(
      (maxText: number, maxIcons: number) => {
        const clean = (v: string | null | undefined) => {
          const text = (v ?? '').replace(/\s+/g, ' ').trim();
          return text ? text.slice(0, maxText) : undefined;
        };
        const absolute = (v: string | null | undefined) => {
          if (!v) return undefined;
          try {
            const url = new URL(v.trim(), document.baseURI);
            return /^https?:$/.test(url.protocol) && url.href.length <= maxText ? url.href : undefined;
          } catch {
            return undefined;
          }
        };
        const meta = (attr: 'name' | 'property', key: string) =>
          Array.from(document.querySelectorAll('meta')).find(
            (m) => (m.getAttribute(attr) ?? '').trim().toLowerCase() === key,
          )?.content;
        // og: tags are "property" in the protocol, "name" on many real sites
        const og = (key: string) => meta('property', `og:${key}`) ?? meta('name', `og:${key}`);
        const openGraph = {
          title: clean(og('title')),
          description: clean(og('description')),
          image: absolute(og('image') ?? og('image:url')),
          url: absolute(og('url')),
          type: clean(og('type')),
          site_name: clean(og('site_name')),
        };
        const links = Array.from(document.querySelectorAll<HTMLLinkElement>('link[rel][href]'));
        const rels = (l: HTMLLinkElement) => l.rel.toLowerCase().split(/\s+/);
        const icons = [
          ...new Set(
            links
              .filter((l) =>
                rels(l).some((r) => r === 'icon' || r === 'apple-touch-icon' || r === 'mask-icon'),
              )
              .map((l) => absolute(l.getAttribute('href')))
              .filter((u): u is string => !!u),
          ),
        ].slice(0, maxIcons);
        return {
          title: (document.title ?? '').slice(0, maxText),
          description: clean(meta('name', 'description')),
          open_graph: Object.values(openGraph).some((v) => v !== undefined) ? openGraph : undefined,
          icons: icons.length ? icons : undefined,
          canonical_url: absolute(links.find((l) => rels(l).includes('canonical'))?.getAttribute('href')),
          lang: clean(document.documentElement?.lang),
        };
      },
      MAX_TEXT,
      MAX_ICONS,
    )
    .catch(() => undefined);
  return sanitise(read);
}

/**
 * The evaluation runs among the page's own globals, which a hostile page can
 * replace: its answer is checked again here (types, lengths), and members it
 * does not have are left out.
 */
function sanitise(read: unknown): PageMetadata {
  const r = (typeof read === 'object' && read !== null ? read : {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' && v ? v.slice(0, MAX_TEXT) : undefined);
  const og = (typeof r.open_graph === 'object' && r.open_graph !== null ? r.open_graph : {}) as Record<
    string,
    unknown
  >;
  const openGraph: OpenGraph = {};
  for (const key of ['title', 'description', 'image', 'url', 'type', 'site_name'] as const) {
    const value = text(og[key]);
    if (value !== undefined) openGraph[key] = value;
  }
  const icons = Array.isArray(r.icons) ? r.icons.map(text).filter((i): i is string => !!i) : [];
  const metadata: PageMetadata = { title: text(r.title) ?? '' };
  const description = text(r.description);
  const canonical = text(r.canonical_url);
  const lang = text(r.lang);
  if (description !== undefined) metadata.description = description;
  if (Object.keys(openGraph).length) metadata.open_graph = openGraph;
  if (icons.length) metadata.icons = icons.slice(0, MAX_ICONS);
  if (canonical !== undefined) metadata.canonical_url = canonical;
  if (lang !== undefined) metadata.lang = lang;
  return metadata;
}
