import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * `npm run soak`: the reliability and security suite. Real `reelrec start` processes on loopback,
 * one suite file at a time (they measure and kill servers), against the taste fixture built once.
 * The store-growth suite is the longest: about 10 minutes on two cores.
 */
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['soak/**/*.soak.ts'],
    // dist/ first (the suites run the built binary), then the fixture build every suite copies.
    globalSetup: ['tests/global-setup.ts', 'soak/global-setup.ts'],
    env: { REELREC_PROGRESS: 'off' },
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
  },
});
