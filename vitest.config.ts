import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'
import { generateSecrets } from './src/keys/generate.ts'

// Miniflare would otherwise fetch a `Request.cf` sample from the network on start.
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= 'false'
process.env.WRANGLER_SEND_METRICS ??= 'false'

// Two projects, one `npm test`: the Node suite (better-sqlite3 in memory) and the same service
// inside workerd against a local D1 with the real migrations (test/workers).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/workers/**', 'test/e2e/**'],
          // PBKDF2 at 100k rounds and per-file in-memory databases: give slow CI machines room.
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        plugins: [
          cloudflareTest(async () => ({
            main: './src/worker.ts',
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                ...(await generateSecrets()),
                ADMIN_USERNAME: 'edge-admin',
                ADMIN_PASSWORD: 'edge-admin-password',
                TEST_MIGRATIONS: await readD1Migrations('schema'),
              },
            },
          })),
        ],
        test: {
          name: 'workers',
          include: ['test/workers/**/*.test.ts'],
          setupFiles: ['./test/workers/apply-migrations.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
})
