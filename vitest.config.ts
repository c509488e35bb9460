import { defineConfig } from 'vitest/config'

// The soak saturates the machine for a minute, so it runs alone, after everything else.
const SOAK = 'test/e2e/soak.test.ts'

export default defineConfig({
  test: {
    environment: 'node',
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup/secrets-scan.ts'],
    testTimeout: 20_000,
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: 'test-results/report.json' },
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: [SOAK], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'soak', include: [SOAK], sequence: { groupOrder: 1 } } },
    ],
  },
})
