import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['sync-protocol/src/**/*.test.ts', 'server/src/**/*.test.ts', 'tests/**/*.test.ts', 'client/e2e/**/*.test.ts'],
    // The docs screenshots are a tool, not a test: they run only when asked for.
    exclude: ['**/node_modules/**', ...(process.env.PIGEON_SCREENSHOTS === '1' ? [] : ['client/e2e/screenshots.test.ts'])],
    environment: 'node',
    // Services a test needs (Mongo-protocol server, redis-server) start once here, on 127.0.0.1.
    globalSetup: ['tests/setup/services.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    reporters: ['default', './tests/setup/summary-reporter.ts'],
  },
});
