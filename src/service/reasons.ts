import type { Catalogue } from '../recsys/data/types.js';
import type { HybridParts, SignalName } from './hybrid.js';
import { dotRows } from './signals/content.js';
import { itemItemWeight } from './signals/sparse-item-item.js';
import type { Reason } from './types.js';

/** The liked movie most like `item`: item-item weight when it is a neighbour of one, else text cosine. */
export function closestLiked(
  parts: HybridParts,
  liked: readonly number[],
  item: number,
): { item: number; via: 'itemItem' | 'content' } | null {
  const { itemItem, movies } = parts;
  let best = -1;
  let bestWeight = 0;
  for (const i of liked) {
    const w = itemItemWeight(itemItem, i, item);
    if (w > bestWeight) {
      bestWeight = w;
      best = i;
    }
  }
  if (best >= 0) return { item: best, via: 'itemItem' };
  const { dim, vectors } = movies;
  const cosines = new Float64Array(liked.length);
  const row = vectors.subarray(item * dim, (item + 1) * dim);
  dotRows(row, vectors, dim, Uint32Array.from(liked), liked.length, cosines);
  let bestCos = 0.05;
  liked.forEach((i, n) => {
    if ((cosines[n] as number) > bestCos) {
      bestCos = cosines[n] as number;
      best = i;
    }
  });
  return best >= 0 ? { item: best, via: 'content' } : null;
}

/** Signals that pushed a movie up (weight × z-score > 0), strongest first; `at` is its index in the z arrays. */
export function contributionOrder<N extends string = SignalName>(
  z: Partial<Record<N, Float32Array>>,
  weights: Record<N, number>,
  at: number,
): N[] {
  return (Object.keys(weights) as N[])
    .map((name) => ({ name, value: weights[name] * ((z[name]?.[at] as number | undefined) ?? 0) }))
    .filter((c) => c.value > 0)
    .sort((a, b) => b.value - a.value)
    .map((c) => c.name);
}

/** Up to two reasons for one recommended movie, in the order of the signals that ranked it. */
export function explain(
  parts: HybridParts,
  catalogue: Catalogue,
  item: number,
  liked: readonly number[],
  order: readonly (SignalName | 'neumf')[],
  affinity: Float64Array,
): Reason[] {
  const reasons: Reason[] = [];
  let likedNamed = false;
  for (const name of order) {
    if ((name === 'itemItem' || name === 'content' || name === 'foldIn') && !likedNamed && liked.length > 0) {
      likedNamed = true;
      const anchor = closestLiked(parts, liked, item);
      if (anchor) {
        const title = catalogue.movies[anchor.item]?.title ?? 'a movie you picked';
        reasons.push({ kind: 'liked', text: `because you liked ${title}`, movieId: catalogue.movies[anchor.item]?.id as number });
      } else if (name === 'foldIn') {
        reasons.push({ kind: 'taste', text: 'people with your taste rate it highly' });
      }
    } else if (name === 'genre') {
      const genre = topGenre(parts, item, affinity);
      if (genre) reasons.push({ kind: 'genre', text: `you like ${genre}`, genre });
    } else if (name === 'neumf') {
      // NeuMF is collaborative: it ranks what users who rated like this person rated highly.
      reasons.push({ kind: 'taste', text: 'people with your taste rate it highly' });
    } else if (name === 'popularity') {
      reasons.push({ kind: 'popular', text: 'popular with MovieLens viewers' });
    }
    if (reasons.length === 2) break;
  }
  if (reasons.length === 0) reasons.push({ kind: 'popular', text: 'popular with MovieLens viewers' });
  return reasons;
}

/** The movie's genre the person likes most (highest affinity), if any. */
function topGenre(parts: HybridParts, item: number, affinity: Float64Array): string | null {
  const { names, membership } = parts.genres;
  const G = names.length;
  let best: string | null = null;
  let bestAffinity = Number.NEGATIVE_INFINITY;
  for (let g = 0; g < G; g++) {
    if (membership[item * G + g] !== 1) continue;
    if ((affinity[g] as number) > bestAffinity) {
      bestAffinity = affinity[g] as number;
      best = names[g] as string;
    }
  }
  return best;
}
