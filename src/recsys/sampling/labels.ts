/**
 * The seed's hard-sampling labels. Ratings are bucketed into four kinds; the two positive kinds
 * become interaction 1 and the two negative kinds interaction 0.
 *
 *   rating ≥ 4        hard positive   → 1
 *   3 ≤ rating < 4    soft positive   → 1
 *   2 ≤ rating < 3    soft negative   → 0
 *   rating < 2        hard negative   → 0
 *
 * The seed defines hard negatives as rating ≤ 1 and leaves 1 < r < 2 undefined; on half-star data
 * (ml-latest, ml-25m, ml-32m) that is exactly 1.5. A 1.5 is a clear dislike — below the whole
 * soft-negative band and nearer to 1 than to 2.5 — so it is a hard negative. Integer-star datasets
 * (ml-100k, ml-1m) never hit the gap, so for them this is exactly the seed's rule.
 */
export const LabelKind = {
  HardPositive: 0,
  SoftPositive: 1,
  SoftNegative: 2,
  HardNegative: 3,
  /** A sampled movie the user never rated: an implicit negative. */
  Unrated: 4,
} as const;
export type LabelKind = (typeof LabelKind)[keyof typeof LabelKind];

export const LABEL_NAMES: Record<LabelKind, string> = {
  [LabelKind.HardPositive]: 'hard positive',
  [LabelKind.SoftPositive]: 'soft positive',
  [LabelKind.SoftNegative]: 'soft negative',
  [LabelKind.HardNegative]: 'hard negative',
  [LabelKind.Unrated]: 'unrated',
};

export function labelRating(rating: number): LabelKind {
  if (rating >= 4) return LabelKind.HardPositive;
  if (rating >= 3) return LabelKind.SoftPositive;
  if (rating >= 2) return LabelKind.SoftNegative;
  return LabelKind.HardNegative;
}

export function isPositive(kind: LabelKind): boolean {
  return kind === LabelKind.HardPositive || kind === LabelKind.SoftPositive;
}

/** Interaction value of a label: 1 for the positive kinds, 0 otherwise. */
export function interactionOf(kind: LabelKind): 0 | 1 {
  return isPositive(kind) ? 1 : 0;
}
