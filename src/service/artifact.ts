import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ReelrecError } from '../errors.js';
import { startProgress } from '../progress.js';
import { datasetFingerprint } from '../recsys/data/fingerprint.js';
import type { Catalogue, RatingsTable } from '../recsys/data/types.js';
import { type NeuMFConfigInput, neumfConfig } from '../recsys/ncf/config.js';
import { NeuMF } from '../recsys/ncf/neumf.js';
import type { MovieEmbeddings } from '../recsys/profiles/vectors.js';
import { type BlendWeights, ML100K_BLEND, parseBlendWeights } from './blend-weights.js';
import type { NeighbourLists } from './candidates.js';
import { holdOutUsers, type UserSplit } from './cold-start.js';
import { FOLD_IN_FILE, FoldInManifestSchema, fitServedPerPick, perPickOf } from './fold-in-artifact.js';
import { SIGNAL_DEFAULTS } from './hybrid.js';
import { type KnownUserWeights, parseKnownUserWeights } from './known-user.js';
import { type KnownUserManifest, KnownUserManifestSchema, untunedKnownUser } from './known-user-artifact.js';
import { NEIGHBOURS_FILE, NeighbourManifestSchema, neighbourListsOf, neighbourManifest } from './neighbour-artifact.js';
import type { AnnNeighbours } from './neighbour-lists.js';
import { assembleParts, trainedUsers } from './parts.js';
import { EASE_DEFAULTS } from './signals/ease.js';
import { describeItemItem, fitSparseItemItem, type SparseItemItem } from './signals/sparse-item-item.js';
import { type BlendTuning, MAX_BLEND_VALIDATION_USERS, tuneBlend } from './tune-blend.js';
import { KNOWN_USER_VALIDATION_SHARE, knownUserValidation, tuneKnownUser } from './tune-known-user.js';

/**
 * What the service needs beyond the NeuMF model and the store, made once by `reelrec build`: the
 * item-item neighbour lists (seconds to fit, so never at start-up), the LanceDB nearest-movie lists
 * the candidate stage reads, and blend weights tuned on validation users with a NeuMF trained
 * without them.
 */
export const SERVICE_FORMAT = 'reelrec-service';
/**
 * 2: item-item is sparse (CSR: offsets u32, targets u32, weights f32 in one file) and covers every rated movie.
 * 3: adds neighbours.csr, each movie's ANN nearest by text and collaborative vectors (issue 12).
 * 4: adds fold-in-picks.f32, each movie's one-pick fold-in vector for the served NeuMF.
 */
export const SERVICE_VERSION = 4;
const MANIFEST = 'service.json';
const ITEM_ITEM = 'item-item.csr';
export const VALIDATION_SHARE = 0.1;

const ManifestSchema = z.object({
  format: z.literal(SERVICE_FORMAT),
  version: z.literal(SERVICE_VERSION),
  createdAt: z.string(),
  dataset: z.object({ name: z.string(), fingerprint: z.string() }),
  itemItem: z.object({
    nItems: z.number().int().min(0),
    nonZeros: z.number().int().min(0),
    info: z.object({
      lambda: z.number(),
      head: z.number().int(),
      neighbours: z.number().int(),
      shrink: z.number(),
      userCap: z.number().int(),
      cappedUsers: z.number().int(),
      rated: z.number().int(),
      covered: z.number().int(),
      cosineScale: z.number(),
    }),
    file: z.string(),
    sha256: z.string(),
  }),
  neighbours: NeighbourManifestSchema,
  foldIn: FoldInManifestSchema,
  blend: z.unknown(),
  tuning: z.object({
    validationUsers: z.number().int(),
    validation: z.array(z.object({ upTo: z.number(), cases: z.number(), ndcg: z.number() })),
    neumfSeconds: z.number(),
  }),
  knownUser: KnownUserManifestSchema,
  seconds: z.number(),
});
export type ServiceManifest = z.infer<typeof ManifestSchema>;

export interface ServiceArtifact {
  itemItem: SparseItemItem;
  neighbours: NeighbourLists;
  /** Every movie's one-pick fold-in vector for the served NeuMF (`fold-in-artifact.ts`). */
  perPick: Float32Array;
  blend: BlendWeights;
  knownUser: KnownUserWeights;
  manifest: ServiceManifest;
}

export interface BuildServiceInput {
  name: string;
  catalogue: Catalogue;
  ratings: RatingsTable;
  movies: MovieEmbeddings;
  /** The served NeuMF's nearest-movie lists from LanceDB (`annNeighbours`), made by the build beforehand. */
  neighbours: AnnNeighbours;
  /** The NeuMF the service will serve (the build's genre-tuned one): its fold-in vectors are made here. */
  served: NeuMF;
  seed: number;
  /** NeuMF settings of the tuning model; the build's defaults unless a test wants a small one. */
  neumf?: NeuMFConfigInput;
  log?: (line: string) => void;
  /** Below this many validation users the ml-100k weights are used (default MIN_VALIDATION_USERS). */
  minValidationUsers?: number;
}

/** Fewer validation users than this cannot tell blend weights apart. */
export const MIN_VALIDATION_USERS = 20;

/** Tunes the blend and the known-user ranker (one extra NeuMF fit without validation ratings) and fits item-item on everything. */
export async function buildServiceArtifact(input: BuildServiceInput): Promise<{ artifact: ServiceArtifact; tuning: BlendTuning }> {
  const started = performance.now();
  const { ratings, seed } = input;
  const validation = holdOutUsers(ratings, VALIDATION_SHARE, seed + 1, undefined, MAX_BLEND_VALIDATION_USERS);
  let tuning: BlendTuning = { blend: ML100K_BLEND, validation: [] };
  let knownUser: KnownUserManifest;
  let neumfSeconds = 0;
  const needed = input.minValidationUsers ?? MIN_VALIDATION_USERS;
  if (validation.heldOut.length < needed) {
    input.log?.(
      `WARNING: ${input.name} has ${ratings.userIds.length} users, too few to hold out ${needed} for tuning the blend; using the weights tuned on ml-100k`,
    );
    knownUser = untunedKnownUser(input.log);
  } else {
    ({ tuning, knownUser, neumfSeconds } = await tuneOnValidation(input, validation));
  }
  const itemStarted = performance.now();
  const itemItem = fitSparseItemItem(ratings);
  input.log?.(`${describeItemItem(itemItem)} (${((performance.now() - itemStarted) / 1000).toFixed(1)} s)`);
  const csr = csrBytes(itemItem);
  const { lists } = input.neighbours;
  if (lists.offsets.length - 1 !== itemItem.nItems)
    throw new ReelrecError('service_input', `neighbour lists have ${lists.offsets.length - 1} rows for ${itemItem.nItems} movies`);
  const foldIn = fitServedPerPick(input.served, trainedUsers(ratings));
  input.log?.(`fold-in: one-pick vectors for ${foldIn.manifest.nItems} movies (${foldIn.manifest.seconds.toFixed(1)} s)`);
  const manifest: ServiceManifest = {
    format: SERVICE_FORMAT,
    version: SERVICE_VERSION,
    createdAt: new Date().toISOString(),
    dataset: { name: input.name, fingerprint: datasetFingerprint(ratings) },
    itemItem: { nItems: itemItem.nItems, nonZeros: itemItem.targets.length, info: itemItem.info, file: ITEM_ITEM, sha256: sha256(csr) },
    neighbours: neighbourManifest(input.neighbours, sha256(concatBytes([lists.offsets, lists.targets]))),
    foldIn: { ...foldIn.manifest, sha256: sha256(concatBytes([foldIn.perPick])) },
    blend: tuning.blend,
    tuning: { validationUsers: tuning.validation.length > 0 ? validation.heldOut.length : 0, validation: tuning.validation, neumfSeconds },
    knownUser,
    seconds: (performance.now() - started) / 1000,
  };
  return {
    artifact: { itemItem, neighbours: lists, perPick: foldIn.perPick, blend: tuning.blend, knownUser: knownUser.weights, manifest },
    tuning,
  };
}

/**
 * One NeuMF fit serves both tunings: without the cold-start validation users (the blend is tuned
 * on them as new users) and without a hidden quarter of other users' ratings (the known-user
 * ranker is tuned on finding those).
 */
async function tuneOnValidation(
  input: BuildServiceInput,
  validation: UserSplit,
): Promise<{ tuning: BlendTuning; knownUser: KnownUserManifest; neumfSeconds: number }> {
  const { catalogue, ratings, movies, seed } = input;
  const known = knownUserValidation(validation.train, KNOWN_USER_VALIDATION_SHARE, seed + 2);
  const tuningModel = new NeuMF(
    { seed, ...input.neumf },
    {
      datasetName: input.name,
      label: 'blend-tuning',
      progress: startProgress('NeuMF without validation ratings (blend and known-user tuning)', neumfConfig(input.neumf).epochs, 'batches'),
    },
  );
  try {
    await tuningModel.fit(known.train);
    const tuningParts = assembleParts(catalogue, known.train, tuningModel, movies);
    const tuned = known.hidden.size > 0 ? tuneKnownUser(tuningParts, tuningModel, known) : null;
    return {
      tuning: tuneBlend(tuningParts, ratings, validation.heldOut, SIGNAL_DEFAULTS, seed),
      knownUser: tuned
        ? { ...tuned, tunedOn: `${tuned.users} validation users (a quarter of their ratings hidden), NDCG@10, seed ${seed}` }
        : untunedKnownUser(input.log),
      neumfSeconds: tuningModel.training?.seconds ?? 0,
    };
  } finally {
    tuningModel.dispose();
  }
}

/** offsets (nItems + 1) u32, targets u32, weights f32, back to back: one file, read without parsing. */
function csrBytes(model: SparseItemItem): Uint8Array {
  return concatBytes([model.offsets, model.targets, model.weights]);
}

function concatBytes(parts: ArrayBufferView[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), at);
    at += p.byteLength;
  }
  return out;
}

function sha256(values: Uint8Array): string {
  return createHash('sha256')
    .update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength))
    .digest('hex');
}

/** Writes the artefact into `dir` through a temporary sibling, so a reader never sees half of it. */
export async function saveServiceArtifact(dir: string, artifact: ServiceArtifact): Promise<void> {
  const work = `${dir}.tmp-${process.pid}`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  // The folder is private until the rename below, so plain writes are safe here.
  await writeFile(path.join(work, ITEM_ITEM), csrBytes(artifact.itemItem));
  await writeFile(path.join(work, NEIGHBOURS_FILE), concatBytes([artifact.neighbours.offsets, artifact.neighbours.targets]));
  await writeFile(path.join(work, FOLD_IN_FILE), concatBytes([artifact.perPick]));
  await writeFile(path.join(work, MANIFEST), `${JSON.stringify(artifact.manifest, null, 2)}\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(work, dir);
}

/** Reads an artefact and checks it belongs to `ratings`; every failure names the file. */
export async function loadServiceArtifact(dir: string, ratings: RatingsTable): Promise<ServiceArtifact> {
  const manifestFile = path.join(dir, MANIFEST);
  const text = await readFile(manifestFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new ReelrecError(
      error.code === 'ENOENT' ? 'service_not_built' : 'service_file',
      `${manifestFile}: ${error.code === 'ENOENT' ? 'missing; run `reelrec build`' : error.message}`,
    );
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ReelrecError('service_file', `${manifestFile}: not valid JSON`);
  }
  const version = (json as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version !== SERVICE_VERSION) {
    throw new ReelrecError(
      'service_file',
      `${manifestFile}: artefact version ${version}, this reelrec reads version ${SERVICE_VERSION}; run \`reelrec build\` again`,
    );
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success)
    throw new ReelrecError(
      'service_file',
      `${manifestFile}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`,
    );
  const manifest = parsed.data;
  if (manifest.dataset.fingerprint !== datasetFingerprint(ratings)) {
    throw new ReelrecError(
      'service_mismatch',
      `${manifestFile}: built from other ratings than ${manifest.dataset.name} has now; run \`reelrec build\` again`,
    );
  }
  const file = path.join(dir, manifest.itemItem.file);
  const bytes = await readBytes(file);
  const { nItems, nonZeros } = manifest.itemItem;
  const expected = (nItems + 1 + 2 * nonZeros) * 4;
  if (bytes.byteLength !== expected)
    throw new ReelrecError(
      'service_file',
      `${file}: ${bytes.byteLength} bytes, expected ${expected} (${nItems} rows, ${nonZeros} neighbours)`,
    );
  const own = new Uint8Array(bytes);
  if (sha256(own) !== manifest.itemItem.sha256) {
    throw new ReelrecError('service_file', `${file}: checksum does not match ${MANIFEST}`);
  }
  if (nItems !== ratings.itemIds.length)
    throw new ReelrecError('service_file', `${file}: ${nItems} rows for a catalogue of ${ratings.itemIds.length} movies`);
  const offsets = new Uint32Array(own.buffer, 0, nItems + 1);
  const targets = new Uint32Array(own.buffer, (nItems + 1) * 4, nonZeros);
  const weights = new Float32Array(own.buffer, (nItems + 1 + nonZeros) * 4, nonZeros);
  if (offsets[nItems] !== nonZeros || targets.some((j) => j >= nItems))
    throw new ReelrecError('service_file', `${file}: neighbour lists point outside the catalogue`);
  const neighboursFile = path.join(dir, manifest.neighbours.file);
  const neighbourBytes = new Uint8Array(await readBytes(neighboursFile));
  if (sha256(neighbourBytes) !== manifest.neighbours.sha256) {
    throw new ReelrecError('service_file', `${neighboursFile}: checksum does not match ${MANIFEST}`);
  }
  const foldInFile = path.join(dir, manifest.foldIn.file);
  const foldInBytes = new Uint8Array(await readBytes(foldInFile));
  if (sha256(foldInBytes) !== manifest.foldIn.sha256) {
    throw new ReelrecError('service_file', `${foldInFile}: checksum does not match ${MANIFEST}`);
  }
  return {
    itemItem: { nItems, offsets, targets, weights, info: manifest.itemItem.info },
    neighbours: neighbourListsOf(neighbourBytes, neighboursFile, manifest.neighbours, nItems),
    perPick: perPickOf(foldInBytes, foldInFile, manifest.foldIn, nItems),
    blend: parseBlendWeights(manifest.blend, manifestFile),
    knownUser: parseKnownUserWeights(manifest.knownUser.weights, manifestFile),
    manifest,
  };
}

function readBytes(file: string): Promise<Buffer> {
  return readFile(file).catch((error: Error) => {
    throw new ReelrecError('service_file', `${file}: ${error.message}`);
  });
}

export { EASE_DEFAULTS };
