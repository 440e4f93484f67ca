import { fnv1a, posterPalette } from './palette.js';

/** What a poster shows: the catalogue fields every dataset has. */
export interface PosterMovie {
  id: number;
  title: string;
  year: number | null;
  genres: string[];
}

export const POSTER_WIDTH = 300;
export const POSTER_HEIGHT = 450;

const FONT = 'Georgia, DejaVu Serif, Times New Roman, serif';
const SANS = 'Helvetica, Arial, DejaVu Sans, sans-serif';
const MAX_TITLE_LINES = 5;
/** Usable width of a text line inside the frame. */
const LINE_WIDTH = 244;

/** Anything XML 1.0 cannot carry: C0 controls but tab/LF/CR, lone surrogates, U+FFFE and U+FFFF. */
const NOT_XML = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/** Escapes text for XML content and attribute values; characters XML cannot carry become U+FFFD. */
export function escapeXml(text: string): string {
  return text
    .replace(NOT_XML, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const ARTICLES = 'The|A|An|Les|La|Le|Il|Das|Der|Die|El|Los|Las|Une|Un|Det|Den|I|O|Os|As|Lo';

/**
 * The title as a poster shows it: without the trailing `(1995)` the year line already gives, and
 * with MovieLens' sorted article moved back (`American President, The` → `The American President`).
 */
export function displayTitle(title: string): string {
  let text = title.trim().replace(/\s*\(\d{4}(?:[-–]\d{0,4})?\)\s*$/, '');
  const moved = new RegExp(`^(.+?), (${ARTICLES})( \\(.*\\))?$`).exec(text);
  if (moved) text = `${moved[2]} ${moved[1]}${moved[3] ?? ''}`;
  else {
    const elided = /^(.+?), (L')( \(.*\))?$/.exec(text);
    if (elided) text = `${elided[2]}${elided[1]}${elided[3] ?? ''}`;
  }
  return text.trim() || 'Untitled';
}

const length = (text: string) => Array.from(text).length;

/** Shortens `line` to at most `max` characters ending with `…`. */
function ellipsis(line: string, max: number): string {
  const chars = Array.from(line.trimEnd());
  return chars.length + 1 <= max
    ? `${chars.join('')}…`
    : `${chars
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`;
}

/** Greedy word wrap to `maxChars` a line; words longer than a line are cut; overflow ends with `…`. */
export function wrapText(text: string, maxChars: number, maxLines: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let chars = Array.from(word);
    if (current && length(current) + 1 + chars.length <= maxChars) {
      current += ` ${word}`;
      continue;
    }
    if (current) lines.push(current);
    while (chars.length > maxChars) {
      lines.push(chars.slice(0, maxChars).join(''));
      chars = chars.slice(maxChars);
    }
    current = chars.join('');
  }
  if (current) lines.push(current);
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  kept[maxLines - 1] = ellipsis(kept[maxLines - 1] as string, maxChars);
  return kept;
}

/** Genres joined with ` · `, broken between genres (never after a separator); overflow ends with `…`. */
function wrapGenres(genres: readonly string[], maxChars: number, maxLines: number): string[] {
  const lines: string[] = [];
  for (const genre of genres) {
    const last = lines[lines.length - 1];
    if (last !== undefined && length(last) + 3 + length(genre) <= maxChars) lines[lines.length - 1] = `${last} · ${genre}`;
    else lines.push(...wrapText(genre, maxChars, maxLines));
  }
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  kept[maxLines - 1] = ellipsis(kept[maxLines - 1] as string, maxChars);
  return kept;
}

/** Font size for a title: big for short titles, smaller for long ones. */
function titleSize(title: string): number {
  const n = length(title);
  if (n <= 14) return 38;
  if (n <= 28) return 32;
  if (n <= 48) return 27;
  return 23;
}

/** Rough characters a line holds at `size` px (average glyph ≈ 0.55 em; ≈ 0.62 em for bold serif). */
const charsPerLine = (size: number, em: number) => Math.max(4, Math.floor(LINE_WIDTH / (size * em)));

const fmt = (n: number) => (Math.round(n * 10) / 10).toString();

/** A few translucent shapes placed by the id's hash, so posters of one genre still differ. */
function decorations(id: number): string {
  const h = fnv1a(`poster:${id}`);
  const cx = 40 + (h % 220);
  const cy = 60 + ((h >>> 8) % 140);
  const r = 70 + ((h >>> 16) % 90);
  const cx2 = 30 + ((h >>> 4) % 240);
  const r2 = 30 + ((h >>> 12) % 60);
  const tilt = (h >>> 20) % 2 === 0 ? 1 : -1;
  return [
    `<circle cx="${cx}" cy="${cy}" r="${r}" fill="#fff" fill-opacity="0.08"/>`,
    `<circle cx="${cx2}" cy="${380 - ((h >>> 24) % 60)}" r="${r2}" fill="none" stroke="#fff" stroke-opacity="0.12" stroke-width="6"/>`,
    `<path d="M0 ${fmt(300 - tilt * 60)} L300 ${fmt(300 + tilt * 60)} L300 450 L0 450 Z" fill="#000" fill-opacity="0.18"/>`,
  ].join('');
}

/**
 * A 300×450 (2:3) SVG poster for a movie: a gradient in its genres' colours, the title, the year
 * and the genres. Deterministic (same movie → same bytes) and every text is XML-escaped.
 */
export function posterSvg(movie: PosterMovie): string {
  const title = displayTitle(movie.title);
  const palette = posterPalette(movie.genres);
  const gradient = `bg-${movie.id}`;
  const stops = palette.map((colour, i) => `<stop offset="${fmt((i / (palette.length - 1)) * 100)}%" stop-color="${colour}"/>`).join('');

  const size = titleSize(title);
  const lines = wrapText(title, charsPerLine(size, 0.6), MAX_TITLE_LINES);
  const lineHeight = size * 1.15;
  const firstY = 215 - ((lines.length - 1) * lineHeight) / 2 + size * 0.35;
  const titleText = lines.map((line, i) => `<tspan x="150" y="${fmt(firstY + i * lineHeight)}">${escapeXml(line)}</tspan>`).join('');

  const genreLines = wrapGenres(movie.genres, charsPerLine(13, 0.6), 2);
  const genreText = genreLines.map((line, i) => `<tspan x="150" y="${398 + i * 18}">${escapeXml(line)}</tspan>`).join('');
  const year = movie.year === null ? '' : String(movie.year);
  const label = `${title}${year ? ` (${year})` : ''}${movie.genres.length ? ` — ${movie.genres.join(', ')}` : ''}`;

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${POSTER_WIDTH}" height="${POSTER_HEIGHT}" viewBox="0 0 ${POSTER_WIDTH} ${POSTER_HEIGHT}" role="img">`,
    `<title>${escapeXml(label)}</title>`,
    `<defs><linearGradient id="${gradient}" x1="0" y1="0" x2="0.4" y2="1">${stops}</linearGradient></defs>`,
    `<rect width="${POSTER_WIDTH}" height="${POSTER_HEIGHT}" fill="url(#${gradient})"/>`,
    decorations(movie.id),
    '<rect x="14" y="14" width="272" height="422" fill="none" stroke="#fff" stroke-opacity="0.4" stroke-width="1.5"/>',
    year
      ? `<text x="150" y="66" text-anchor="middle" font-family="${SANS}" font-size="22" font-weight="700" letter-spacing="6" fill="#fff" fill-opacity="0.85">${escapeXml(year)}</text>`
      : '',
    '<rect x="14" y="96" width="272" height="0.8" fill="#fff" fill-opacity="0.4"/>',
    `<text text-anchor="middle" font-family="${FONT}" font-size="${size}" font-weight="700" fill="#fff">${titleText}</text>`,
    '<rect x="14" y="370" width="272" height="0.8" fill="#fff" fill-opacity="0.4"/>',
    genreText
      ? `<text text-anchor="middle" font-family="${SANS}" font-size="13" letter-spacing="1" fill="#fff" fill-opacity="0.9">${genreText}</text>`
      : '',
    '</svg>\n',
  ].join('');
}
