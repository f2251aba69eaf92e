import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { generateSecrets } from './src/keys/generate.ts'
import { TEST_DATABASES } from './test/workers/support/test-databases.ts'

// Miniflare would otherwise fetch a `Request.cf` sample from the network on start.
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= 'false'
process.env.WRANGLER_SEND_METRICS ??= 'false'

// Test files that cannot run inside workerd, and why. Everything else runs on both runtimes.
const NODE_ONLY_TESTS = [
  'test/db/file-modes.test.ts', // database files on disk
  'test/db/migrations.test.ts', // the Node migrator on better-sqlite3
  'test/db/node-store.test.ts', // the Node store: better-sqlite3, its writer thread
  'test/db/guard.test.ts', // guards on the Node store
  'test/reliability/**', // child processes, killed writers, backups, files on disk
  'test/audit/anchor.test.ts', // the audit anchor is a file beside the database (Node only)
  'test/audit/verify-script.test.ts', // runs scripts/audit-verify.ts in a child process
  'test/demo/admin-seed.test.ts', // node:fs temp directories and a file database
  'test/http/body-limit.test.ts', // a real node:http server and raw sockets
  'test/loops/migration-0010.test.ts', // builds old schemas in better-sqlite3
  'test/scans/migration-0015.test.ts', // builds old schemas in better-sqlite3
  'test/passes/qr-images.test.ts', // decodes PNGs with pngjs, which needs node:zlib's Inflate class
  'test/security/personal-data.test.ts', // reads the database file and WAL bytes from disk
  'test/architecture/**', // reads src/ from disk with node:fs
  'test/ui/pages-read-repositories.test.ts', // reads src/ui from disk with node:fs
  'test/http/error-language.test.ts', // scans src for error codes with node:fs
  'test/ui/messages.test.ts', // reads src/ui/i18n.ts from disk with node:fs
  'test/ui/page-queries-growth.test.ts', // a file database grown in a temp directory
  'test/ui/offline-bundle.test.ts', // bundles the page with esbuild, a native binary
  'test/ui/offline-trust-bundle.test.ts', // bundles the page with esbuild, a native binary
  'test/trust/federation-two-servers.test.ts', // two real node:http servers fetching from each other
  'test/personal-data/rotate-data-key.test.ts', // runs scripts/rotate-data-key.ts on a DATA_DIR
  'test/decommission/script.test.ts', // runs scripts/decommission.ts in a child process on a file database
]

// One `npm test`: the suite on Node (better-sqlite3 in memory), the same suite again inside workerd
// against local D1 databases with the real migrations (workers), and the browser tests (e2e).
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
              // The route tests' apps, one database each (test/workers/support/test-app.d1.ts).
              d1Databases: ['DB', ...TEST_DATABASES],
            },
          })),
        ],
        resolve: {
          // The route tests build their app with test/support/test-app.ts; here they get its D1 twin.
          alias: [
            {
              find: /^\.\.?\/(\.\.\/)*support\/test-app\.ts$/,
              replacement: fileURLToPath(
                new URL('./test/workers/support/test-app.d1.ts', import.meta.url),
              ),
            },
          ],
        },
        test: {
          name: 'workers',
          // One suite, two runtimes: every test file runs here too, its `buildTestApp` on D1 (see
          // `resolve.alias`), except those that need Node itself. Inside a test, `t.sqlite`
          // (better-sqlite3's synchronous handle) skips that test here, saying so.
          include: ['test/**/*.test.ts'],
          exclude: [
            ...NODE_ONLY_TESTS,
            'test/e2e/**', // drives a browser through playwright against the Node server
          ],
          // Files share one isolate, one after another: importing the app into workerd per file
          // would cost more than the tests. Each `buildTestApp` still starts on a fresh database.
          isolate: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
})
