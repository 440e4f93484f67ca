import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    env: { REELREC_PROGRESS: 'off' },
    testTimeout: 60_000,
    // Several files train a small NeuMF in beforeAll; on a busy 2-core machine that can take 10 s+.
    hookTimeout: 60_000,
  },
});
