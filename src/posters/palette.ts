/**
 * Genre colours for the generated posters. Known genres (ml-100k and ml-latest spellings) have a
 * fixed colour; any other genre name is hashed to a hue, so the same name always gets the same colour.
 */
const GENRE_COLOURS: Record<string, string> = {
  Action: '#c0392b',
  Adventure: '#d35400',
  Animation: '#f39c12',
  "Children's": '#f1c40f',
  Children: '#f1c40f',
  Comedy: '#e67e22',
  Crime: '#34495e',
  Documentary: '#16a085',
  Drama: '#8e44ad',
  Fantasy: '#9b59b6',
  'Film-Noir': '#2c3e50',
  Horror: '#6d0f1a',
  IMAX: '#2980b9',
  Musical: '#e84393',
  Mystery: '#3d3d6b',
  Romance: '#d63968',
  'Sci-Fi': '#1e6fa8',
  Thriller: '#4a235a',
  War: '#5d6d34',
  Western: '#a0522d',
  unknown: '#5f6b73',
  '(no genres listed)': '#5f6b73',
};

/** The colour used for a movie without genres. */
export const NO_GENRE_COLOUR = '#5f6b73';

/** 32-bit FNV-1a of the UTF-16 code units: small, fast and identical on every platform. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

function hex(n: number): string {
  return Math.round(Math.min(255, Math.max(0, n)))
    .toString(16)
    .padStart(2, '0');
}

/** HSL (h in degrees, s and l in 0..1) to `#rrggbb`. */
export function hslToHex(h: number, s: number, l: number): string {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return `#${hex(f(0) * 255)}${hex(f(8) * 255)}${hex(f(4) * 255)}`;
}

/** A genre's colour: the fixed table, else a hue hashed from the name (mid saturation, darkish). */
export function genreColour(genre: string): string {
  const fixed = GENRE_COLOURS[genre];
  if (fixed) return fixed;
  const hash = fnv1a(genre);
  return hslToHex(hash % 360, 0.45 + ((hash >>> 9) % 20) / 100, 0.32 + ((hash >>> 17) % 12) / 100);
}

/** Scales a `#rrggbb` colour towards black (factor < 1) or white (factor > 1). */
export function shade(colour: string, factor: number): string {
  const channels = [1, 3, 5].map((i) => Number.parseInt(colour.slice(i, i + 2), 16));
  const mixed = channels.map((c) => (factor <= 1 ? c * factor : c + (255 - c) * (factor - 1)));
  return `#${mixed.map(hex).join('')}`;
}

/** Two or three gradient stops for a movie: its first genres' colours, or one colour and a darker shade. */
export function posterPalette(genres: readonly string[]): string[] {
  const colours = [...new Set(genres.map(genreColour))].slice(0, 3);
  if (colours.length === 0) return [NO_GENRE_COLOUR, shade(NO_GENRE_COLOUR, 0.45)];
  if (colours.length === 1) return [colours[0] as string, shade(colours[0] as string, 0.4)];
  return colours;
}
