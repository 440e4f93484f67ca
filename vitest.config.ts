import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    env: { REELREC_PROGRESS: 'off' },
    testTimeout: 30_000,
  },
});
