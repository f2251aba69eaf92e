import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

// Pages read through the repositories the API uses (STYLE.md): a query written in a page would be
// a second copy of a rule (the loop-events order, the alerts order, which passes a firm may see)
// that the API's tests and the growth bench never see.
const UI = resolve(import.meta.dirname, '../../src/ui')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return /\.(ts|tsx|mts|mjs)$/.test(name) ? [path] : []
  })
}

/** The files of src/ui whose text matches `pattern`, relative to src/ui. */
const filesMatching = (pattern: RegExp) =>
  sourceFiles(UI)
    .filter((file) => pattern.test(readFileSync(file, 'utf8')))
    .map((file) => relative(UI, file))

describe('the pages', () => {
  it('are found (the scan itself works)', () => {
    expect(sourceFiles(UI).map((f) => relative(UI, f))).toEqual(
      expect.arrayContaining([
        'routes.tsx',
        join('pages', 'coordinator', 'queue.tsx'),
        join('pages', 'enterprise.tsx'),
        join('pages', 'checkpoint.tsx'),
      ]),
    )
  })

  it('build no queries of their own: no selectFrom anywhere in src/ui', () => {
    expect(filesMatching(/\.?selectFrom\s*\(/)).toEqual([])
  })

  it('write no SQL: src/ui imports nothing from kysely', () => {
    expect(filesMatching(/from\s+'kysely'|import\(\s*'kysely'\s*\)/)).toEqual([])
  })
})
