/**
 * The taste fixture every soak suite serves, built once by soak/global-setup.ts and handed to the
 * suites through vitest's provide/inject.
 */
export interface SoakFixture {
  /** The made-up MovieLens folder (72 movies, 60 users), named after SOAK_DATASET. */
  datasetDir: string;
  /** Its movie text CSV (overviews, poster paths). */
  textFile: string;
  /** A REELREC_DATA_DIR holding what `reelrec build` made; suites copy it, never write to it. */
  templateDataDir: string;
  dataset: string;
  buildSeconds: number;
}

/**
 * `reelrec start` looks for `<REELREC_DATA_DIR>/artifacts/<REELREC_DATASET>/build.json`, and the build names
 * the artefacts after the data folder, so the fixture's folder carries a dataset name. The data stays the
 * made-up taste fixture; nothing of MovieLens is read.
 */
export const SOAK_DATASET = 'ml-latest-small';

declare module 'vitest' {
  export interface ProvidedContext {
    soakFixture: SoakFixture;
  }
}
