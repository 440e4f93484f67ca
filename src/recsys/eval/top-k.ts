/**
 * Top-k selection over a dense score vector with a bounded min-heap: O(n log k) time, O(k) memory,
 * so a 60k-item catalogue never gets fully sorted per user.
 *
 * Order: higher score first; equal scores go to the lower item index, so results are deterministic
 * across runs and models. NaN scores rank below every number (a diverged model must not crash the
 * harness, but its NaN items should never outrank real scores).
 */
export function topK(scores: Float32Array, k: number, exclude?: Uint8Array): Uint32Array {
  const n = scores.length;
  const cap = Math.max(0, Math.min(Math.floor(k), n));
  if (cap === 0) return new Uint32Array(0);
  // The heap root is the worst kept candidate, so a newcomer only has to beat the root.
  const heapItem = new Uint32Array(cap);
  const heapScore = new Float64Array(cap);
  let size = 0;

  for (let i = 0; i < n; i++) {
    if (exclude !== undefined && exclude[i] === 1) continue;
    const raw = scores[i];
    const s = Number.isNaN(raw) ? Number.NEGATIVE_INFINITY : raw;
    if (size < cap) {
      heapItem[size] = i;
      heapScore[size] = s;
      siftUp(heapItem, heapScore, size);
      size++;
      continue;
    }
    // Items arrive in ascending index order, so an equal score never beats the root (lower index wins).
    if (s <= heapScore[0]) continue;
    heapItem[0] = i;
    heapScore[0] = s;
    siftDown(heapItem, heapScore, size);
  }

  const order = Array.from({ length: size }, (_, j) => j);
  order.sort((a, b) => (isWorse(heapItem, heapScore, a, b) ? 1 : -1));
  const out = new Uint32Array(size);
  for (let j = 0; j < size; j++) out[j] = heapItem[order[j]];
  return out;
}

/** True when heap slot `a` ranks below slot `b` (lower score, or equal score and higher index). */
function isWorse(item: Uint32Array, score: Float64Array, a: number, b: number): boolean {
  return score[a] < score[b] || (score[a] === score[b] && item[a] > item[b]);
}

function swap(item: Uint32Array, score: Float64Array, a: number, b: number): void {
  const ti = item[a];
  item[a] = item[b];
  item[b] = ti;
  const ts = score[a];
  score[a] = score[b];
  score[b] = ts;
}

function siftUp(item: Uint32Array, score: Float64Array, start: number): void {
  let c = start;
  while (c > 0) {
    const p = (c - 1) >> 1;
    if (!isWorse(item, score, c, p)) return;
    swap(item, score, c, p);
    c = p;
  }
}

function siftDown(item: Uint32Array, score: Float64Array, size: number): void {
  let p = 0;
  for (;;) {
    const l = 2 * p + 1;
    if (l >= size) return;
    const r = l + 1;
    const worst = r < size && isWorse(item, score, r, l) ? r : l;
    if (!isWorse(item, score, worst, p)) return;
    swap(item, score, p, worst);
    p = worst;
  }
}
