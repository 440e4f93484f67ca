import { z } from 'zod';
import { type KnownUserWeights, NEUMF_ONLY } from './known-user.js';

/** The known-user ranker's entry in the service manifest: its weights and how they were tuned. */
export const KnownUserManifestSchema = z.object({
  weights: z.unknown(),
  /** Validation NDCG@10 with these weights, and with NeuMF alone on the same users. */
  ndcg: z.number(),
  neumfOnlyNdcg: z.number(),
  users: z.number().int(),
  tunedOn: z.string(),
});
export type KnownUserManifest = Omit<z.infer<typeof KnownUserManifestSchema>, 'weights'> & { weights: KnownUserWeights };

/**
 * A dataset with too few users to hold any out answers known users with NeuMF alone, as before
 * the ranker existed; the build log says so.
 */
export function untunedKnownUser(log?: (line: string) => void): KnownUserManifest {
  log?.('WARNING: too few users to tune the known-user ranker; known users get NeuMF alone');
  return { weights: { ...NEUMF_ONLY }, ndcg: 0, neumfOnlyNdcg: 0, users: 0, tunedOn: 'not tuned (too few users): NeuMF alone' };
}
