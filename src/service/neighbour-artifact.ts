import { z } from 'zod';
import { ReelrecError } from '../errors.js';
import type { NeighbourLists } from './candidates.js';
import type { AnnNeighbours } from './neighbour-lists.js';

/** offsets (nItems + 1) u32, then targets u32: the interleaved text and collaborative lists. */
export const NEIGHBOURS_FILE = 'neighbours.csr';

const SummarySchema = z.object({
  recallAtK: z.number(),
  indexed: z.boolean(),
  indexBuildMs: z.number(),
  queryMsP50: z.number(),
  seconds: z.number(),
});

/** What the manifest says of the lists: their shape, checksum, and the ANN recall measured when they were made. */
export const NeighbourManifestSchema = z.object({
  nItems: z.number().int().min(0),
  entries: z.number().int().min(0),
  options: z.object({ k: z.number().int(), ef: z.number().int(), recallQueries: z.number().int() }),
  text: SummarySchema,
  collaborative: SummarySchema,
  file: z.string(),
  sha256: z.string(),
});
export type NeighbourManifest = z.infer<typeof NeighbourManifestSchema>;

export function neighbourManifest(ann: AnnNeighbours, sha256: string): NeighbourManifest {
  const { lists, options, text, collaborative } = ann;
  return {
    nItems: lists.offsets.length - 1,
    entries: lists.targets.length,
    options: { ...options },
    text,
    collaborative,
    file: NEIGHBOURS_FILE,
    sha256,
  };
}

/** The build's log line: recall is the figure to watch (it says how close the index is to exact search). */
export function describeNeighbours(ann: AnnNeighbours): string {
  const { k, ef } = ann.options;
  const part = (name: string, s: AnnNeighbours['text']) =>
    `${name} recall@${k} ${s.recallAtK.toFixed(3)}${s.indexed ? '' : ' (too few movies to index: exact search)'}`;
  return `item neighbours from LanceDB (HNSW_SQ, cosine, ef ${ef}): ${part('text', ann.text)}, ${part('collaborative', ann.collaborative)}; ${ann.lists.targets.length} entries`;
}

/** The lists as views on `bytes` (already checksummed), checked against the manifest and the catalogue. */
export function neighbourListsOf(bytes: Uint8Array, file: string, manifest: NeighbourManifest, nItems: number): NeighbourLists {
  const { entries } = manifest;
  const expected = (manifest.nItems + 1 + entries) * 4;
  if (bytes.byteLength !== expected)
    throw new ReelrecError(
      'service_file',
      `${file}: ${bytes.byteLength} bytes, expected ${expected} (${manifest.nItems} rows, ${entries} neighbours)`,
    );
  if (manifest.nItems !== nItems)
    throw new ReelrecError('service_file', `${file}: ${manifest.nItems} rows for a catalogue of ${nItems} movies`);
  const offsets = new Uint32Array(bytes.buffer, bytes.byteOffset, nItems + 1);
  const targets = new Uint32Array(bytes.buffer, bytes.byteOffset + (nItems + 1) * 4, entries);
  if (offsets[nItems] !== entries || targets.some((j) => j >= nItems))
    throw new ReelrecError('service_file', `${file}: neighbour lists point outside the catalogue`);
  return { offsets, targets };
}
