import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // PBKDF2 at 100k rounds and per-file in-memory databases: give slow CI machines room.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
