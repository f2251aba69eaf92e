/**
 * The D1 bindings the route tests' apps are built on, one app each (test-app.d1.ts); bound by the
 * workers project in vitest.config.ts. `DB` stays the Worker's own, for test/workers/edge-flow.
 */
export const TEST_DATABASES = [
  'TEST_DB_1',
  'TEST_DB_2',
  'TEST_DB_3',
  'TEST_DB_4',
  'TEST_DB_5',
  'TEST_DB_6',
  'TEST_DB_7',
  'TEST_DB_8',
]
