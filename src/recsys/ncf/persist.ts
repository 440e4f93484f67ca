import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { endianness } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { ReelrecError } from '../../errors.js';
import { NeuMFConfigSchema } from './config.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION, type ModelManifest, type TensorEntry } from './manifest.js';
import { createWeights, disposeWeights, type NeuMFShape, type NeuMFWeights, restoreWeights, validateShape, weightList } from './model.js';

const MANIFEST_FILE = 'manifest.json';
const WEIGHTS_FILE = 'weights.bin';
const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * A saved model that cannot be used: `model_file` when a file is missing, unreadable or
 * inconsistent; `model_mismatch` when it is intact but was trained on other data.
 */
export class ModelFileError extends ReelrecError {
  override name = 'ModelFileError';
  constructor(
    readonly file: string,
    detail: string,
    options: { code?: 'model_file' | 'model_mismatch'; cause?: unknown } = {},
  ) {
    super(options.code ?? 'model_file', `${file}: ${detail}`, { cause: options.cause });
  }
}

/** What saveModel fills in itself. */
export type ModelManifestInput = Omit<ModelManifest, 'weights' | 'format' | 'version'>;

// JSON has no NaN: a diverged loss or an undefined metric is written as null and read back as NaN.
const numberOrNaN = z.union([z.number(), z.null().transform(() => Number.NaN)]);
const count = z.number().int().min(0);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lower-case sha256 hex digest');

const ManifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  version: z.literal(MANIFEST_VERSION),
  createdAt: z.string().min(1),
  label: z.string(),
  dataset: z.object({ name: z.string(), fingerprint: sha256, ratings: count }),
  userIds: z.array(z.number().int()),
  itemIds: z.array(z.number().int()),
  shape: z.object({ users: count, items: count, factors: count, layers: z.array(count).min(1) }),
  config: NeuMFConfigSchema,
  backend: z.enum(['tensorflow', 'wasm', 'cpu']),
  trainer: z.object({ name: z.enum(['tfjs', 'sparse']), threads: count }).optional(),
  training: z.object({
    seconds: z.number().min(0),
    bestEpoch: count,
    history: z.array(
      z.object({
        epoch: count,
        loss: numberOrNaN,
        valNdcg: numberOrNaN.nullable(),
        seconds: z.number().min(0),
        samples: count,
        branch: z.enum(['neumf', 'gmf', 'mlp']).optional(),
      }),
    ),
  }),
  fineTune: z
    .object({
      rows: count,
      epochs: count,
      learningRate: z.number().positive(),
      mixOriginal: z.number().min(0).max(1),
      seconds: z.number().min(0),
      losses: z.array(numberOrNaN),
    })
    .optional(),
  metrics: z.record(z.string(), numberOrNaN),
  weights: z.object({
    // A bare file name: a manifest must not point the loader outside its own folder.
    file: z.string().regex(/^(?!\.\.?$)[^/\\]+$/, 'expected a file name inside the model folder'),
    bytes: count,
    sha256,
    tensors: z.array(z.object({ name: z.string(), shape: z.array(count), offset: count, length: count })),
  }),
});

/** The tensors createWeights(shape) makes, in weightList order, laid out back to back. */
export function tensorLayout(shape: NeuMFShape): TensorEntry[] {
  const { users, items, factors, layers } = shape;
  const half = (layers[0] ?? 0) / 2;
  const named: Array<[string, number[]]> = [
    ['gmfUser', [users, factors]],
    ['gmfItem', [items, factors]],
    ['mlpUser', [users, half]],
    ['mlpItem', [items, half]],
    ...layers.slice(1).flatMap(
      (width, i): Array<[string, number[]]> => [
        [`dense${i}.kernel`, [layers[i] as number, width]],
        [`dense${i}.bias`, [width]],
      ],
    ),
    ['out.kernel', [factors + (layers[layers.length - 1] ?? 0), 1]],
    ['out.bias', [1]],
  ];
  let offset = 0;
  return named.map(([name, dims]) => {
    const length = dims.reduce((a, b) => a * b, 1);
    const entry = { name, shape: dims, offset, length };
    offset += length * 4;
    return entry;
  });
}

const sameNumbers = (a: ArrayLike<number>, b: ArrayLike<number>): boolean =>
  a.length === b.length && Array.from(a).every((x, i) => x === b[i]);

/** Why shape, config and id maps disagree, or null when they fit together. */
function inconsistency(m: Pick<ModelManifest, 'shape' | 'config' | 'userIds' | 'itemIds'>): string | null {
  try {
    validateShape(m.shape);
  } catch (error) {
    return `bad shape: ${(error as Error).message}`;
  }
  const { shape, config } = m;
  if (shape.factors !== config.factors || !sameNumbers(shape.layers, config.layers)) {
    return `shape (factors ${shape.factors}, layers ${shape.layers.join('-')}) does not match config (factors ${config.factors}, layers ${config.layers.join('-')})`;
  }
  if (m.userIds.length !== shape.users) return `shape says ${shape.users} users but userIds has ${m.userIds.length}`;
  if (m.itemIds.length !== shape.items) return `shape says ${shape.items} items but itemIds has ${m.itemIds.length}`;
  return null;
}

function leBytes(a: Float32Array): Buffer {
  const view = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return LITTLE_ENDIAN ? view : Buffer.from(view).swap32();
}

async function writeSynced(file: string, chunks: Iterable<Buffer | string>): Promise<void> {
  const handle = await open(file, 'w');
  try {
    // writeFile, unlike write, loops until the whole chunk is on disk.
    for (const chunk of chunks) await handle.writeFile(chunk);
    // Without fsync a crash after the rename could still leave empty files behind the new name.
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `dir/weights.bin` and `dir/manifest.json` into a temp folder beside `dir`, then swaps it
 * in (old model renamed aside, new renamed in, old deleted): readers see the old model or the new
 * one, never a mix. An existing `dir` is only replaced when it is empty or holds a manifest.json,
 * so pointing this at an unrelated folder cannot delete it.
 */
export async function saveModel(dir: string, model: { weights: NeuMFWeights; manifest: ModelManifestInput }): Promise<ModelManifest> {
  const target = resolve(dir);
  const manifestPath = join(target, MANIFEST_FILE);
  const input = model.manifest;
  const problem = inconsistency(input);
  if (problem) throw new ModelFileError(manifestPath, `refusing to save: ${problem}`);
  const layout = tensorLayout(input.shape);
  const vars = weightList(model.weights);
  vars.forEach((v, i) => {
    const entry = layout[i] as TensorEntry;
    if (!sameNumbers(v.shape, entry.shape)) {
      throw new ModelFileError(manifestPath, `refusing to save: ${entry.name} is [${v.shape}] but the shape needs [${entry.shape}]`);
    }
  });

  const existing = await readdir(target).catch((error: NodeJS.ErrnoException) =>
    error.code === 'ENOENT' ? null : refuse(target, `cannot save the model here: ${error.code ?? error.message}`, error),
  );
  if (existing && existing.length > 0 && !existing.includes(MANIFEST_FILE)) {
    throw new ModelFileError(target, 'refusing to replace: the folder exists and is not a reelrec model (no manifest.json)');
  }

  const parent = dirname(target);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = join(parent, `.${basename(target)}.tmp-${tag}`);
  const aside = join(parent, `.${basename(target)}.old-${tag}`);
  await mkdir(temp, { recursive: true });
  try {
    const hash = createHash('sha256');
    let bytes = 0;
    const chunks = vars.map((v) => {
      const chunk = Buffer.from(leBytes(v.dataSync() as Float32Array));
      hash.update(chunk);
      bytes += chunk.byteLength;
      return chunk;
    });
    await writeSynced(join(temp, WEIGHTS_FILE), chunks);
    const { userIds, itemIds, ...rest } = input;
    const manifest: ModelManifest = {
      format: MANIFEST_FORMAT,
      version: MANIFEST_VERSION,
      ...rest,
      weights: { file: WEIGHTS_FILE, bytes, sha256: hash.digest('hex'), tensors: layout },
      userIds: Array.from(userIds),
      itemIds: Array.from(itemIds),
    };
    // Readable header, then the (long) id maps on one line each instead of one id per line.
    const { userIds: u, itemIds: it, ...head } = manifest;
    const json = `${JSON.stringify(head, null, 2).slice(0, -2)},\n  "userIds": ${JSON.stringify(u)},\n  "itemIds": ${JSON.stringify(it)}\n}\n`;
    await writeSynced(join(temp, MANIFEST_FILE), [json]);

    let movedAside = false;
    if (existing) {
      await rename(target, aside);
      movedAside = true;
    }
    try {
      await rename(temp, target);
    } catch (error) {
      if (movedAside) await rename(aside, target).catch(() => undefined);
      throw error;
    }
    // The new model is in place: a leftover old copy or an unflushed folder entry is no reason to fail.
    if (movedAside) await rm(aside, { recursive: true, force: true }).catch(() => undefined);
    await open(parent, 'r')
      .then((handle) => handle.sync().finally(() => handle.close()))
      .catch(() => undefined);
    return manifest;
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    if (error instanceof ReelrecError) throw error;
    throw new ModelFileError(target, `could not save the model: ${(error as Error).message}`, { cause: error });
  }
}

function refuse(file: string, detail: string, cause?: unknown): never {
  throw new ModelFileError(file, detail, { cause });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.map(String).join('.') || '(root)';
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) return `missing field "${field}"`;
  return `field "${field}": ${issue.message}`;
}

function idMismatch(kind: 'user' | 'item', model: ArrayLike<number>, data: ArrayLike<number>): string | null {
  const common = Math.min(model.length, data.length);
  let differ = Math.abs(model.length - data.length);
  for (let i = 0; i < common; i++) if (model[i] !== data[i]) differ++;
  if (differ === 0) return null;
  return `${differ} of ${model.length} ${kind}s differ from the loaded data's ${data.length} ${kind}s`;
}

/**
 * Reads a model written by saveModel. Everything is checked before any tensor is made (manifest
 * schema, consistency, `expect`, file size, checksum), so a refused model allocates nothing.
 */
export async function loadModel(
  dir: string,
  expect: { fingerprint?: string; userIds?: ArrayLike<number>; itemIds?: ArrayLike<number> } = {},
): Promise<{ weights: NeuMFWeights; manifest: ModelManifest }> {
  const target = resolve(dir);
  const manifestPath = join(target, MANIFEST_FILE);
  let text = '';
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    refuse(
      manifestPath,
      code === 'ENOENT' ? 'missing (is this a model folder? train one with `reelrec train`)' : `cannot read: ${code}`,
      error,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    refuse(manifestPath, `invalid JSON: ${(error as Error).message}`, error);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return refuse(manifestPath, 'not a JSON object');
  const { format, version } = raw as Record<string, unknown>;
  if (format !== MANIFEST_FORMAT)
    refuse(manifestPath, `not a reelrec model manifest (format ${JSON.stringify(format)}, expected "${MANIFEST_FORMAT}")`);
  if (version !== MANIFEST_VERSION)
    refuse(manifestPath, `manifest version ${JSON.stringify(version)} is not supported (this reelrec reads ${MANIFEST_VERSION})`);
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) return refuse(manifestPath, parsed.error.issues.slice(0, 3).map(describeIssue).join('; '));
  const manifest: ModelManifest = parsed.data;

  const problem = inconsistency(manifest);
  if (problem) refuse(manifestPath, problem);
  const layout = tensorLayout(manifest.shape);
  const listed = manifest.weights.tensors;
  const describe = (t: TensorEntry | undefined) => (t ? `${t.name} [${t.shape}] at byte ${t.offset}, ${t.length} values` : 'nothing');
  const wrong = layout.findIndex((t, i) => {
    const m = listed[i];
    return !m || m.name !== t.name || !sameNumbers(m.shape, t.shape) || m.offset !== t.offset || m.length !== t.length;
  });
  if (wrong >= 0)
    refuse(manifestPath, `weights.tensors[${wrong}] is ${describe(listed[wrong])}; the shape needs ${describe(layout[wrong])}`);
  if (listed.length !== layout.length)
    refuse(manifestPath, `weights.tensors lists ${listed.length} tensors; the shape needs ${layout.length}`);
  const expectedBytes = layout.reduce((sum, t) => sum + t.length * 4, 0);
  if (manifest.weights.bytes !== expectedBytes)
    refuse(manifestPath, `weights.bytes is ${manifest.weights.bytes} but the tensors need ${expectedBytes}`);

  const mismatches: string[] = [];
  if (expect.fingerprint !== undefined && expect.fingerprint !== manifest.dataset.fingerprint) {
    const short = (h: string) => `${h.slice(0, 12)}…`;
    mismatches.push(
      `model was trained on dataset ${manifest.dataset.name} (fingerprint ${short(manifest.dataset.fingerprint)}) but the loaded data has ${short(expect.fingerprint)}`,
    );
  }
  const users = expect.userIds && idMismatch('user', manifest.userIds, expect.userIds);
  const items = expect.itemIds && idMismatch('item', manifest.itemIds, expect.itemIds);
  if (users) mismatches.push(users);
  if (items) mismatches.push(items);
  if (mismatches.length > 0) {
    throw new ModelFileError(manifestPath, `${mismatches.join('; ')}; retrain with \`reelrec train\``, { code: 'model_mismatch' });
  }

  const weightsPath = join(target, manifest.weights.file);
  let buffer = Buffer.alloc(0);
  try {
    const size = (await stat(weightsPath)).size;
    if (size !== manifest.weights.bytes)
      refuse(weightsPath, `${manifest.weights.file} is ${size} bytes, manifest says ${manifest.weights.bytes}`);
    buffer = await readFile(weightsPath);
  } catch (error) {
    if (error instanceof ModelFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    refuse(weightsPath, code === 'ENOENT' ? 'missing' : `cannot read: ${code}`, error);
  }
  const digest = createHash('sha256').update(buffer).digest('hex');
  if (digest !== manifest.weights.sha256) {
    refuse(weightsPath, `${manifest.weights.file} is corrupted (sha256 ${digest} ≠ ${manifest.weights.sha256} in the manifest)`);
  }

  const values = layout.map((t) => {
    // Copy into a fresh buffer: readFile's Buffer need not be 4-byte aligned for a Float32Array view.
    const out = new Float32Array(t.length);
    new Uint8Array(out.buffer).set(buffer.subarray(t.offset, t.offset + t.length * 4));
    if (!LITTLE_ENDIAN) Buffer.from(out.buffer).swap32();
    return out;
  });
  const weights = createWeights(manifest.shape, 0);
  try {
    restoreWeights(weights, values);
  } catch (error) {
    disposeWeights(weights);
    throw new ModelFileError(weightsPath, `cannot restore weights: ${(error as Error).message}`, { cause: error });
  }
  return { weights, manifest };
}
