import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { describe, expect, it } from 'vitest'

// The shape STYLE.md asks for, checked on the source itself: a feature folder may use another,
// never the other way round as well, and `http/` and `db/` (the plumbing every feature uses) know
// no feature. Files at the top of src/ (app.ts, the two entries, config, the shared types) compose
// the folders and are left out.
const SRC = resolve(import.meta.dirname, '../../src')
const PLUMBING = ['http', 'db']

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return name === 'generated' ? [] : sourceFiles(path)
    return /\.(ts|tsx|mts|mjs)$/.test(name) ? [path] : []
  })
}

/** The folder of src/ a file lies in, or null for the top level. */
const folderOf = (file: string) => {
  const parts = relative(SRC, file).split(sep)
  return parts.length > 1 ? parts[0] : null
}

/** Every import of another folder: `from` folder → `to` folder → the importing files. */
function folderImports(): Map<string, Map<string, string[]>> {
  const edges = new Map<string, Map<string, string[]>>()
  for (const file of sourceFiles(SRC)) {
    const from = folderOf(file)
    if (!from) continue
    const text = readFileSync(file, 'utf8')
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      const to = folderOf(resolve(dirname(file), match[1]))
      if (!to || to === from) continue
      const targets = edges.get(from) ?? new Map<string, string[]>()
      edges.set(from, targets)
      targets.set(to, [...(targets.get(to) ?? []), relative(SRC, file)])
    }
  }
  return edges
}

describe('the folders of src/', () => {
  const edges = folderImports()

  it('finds the feature folders it checks (the scan itself works)', () => {
    expect([...edges.keys()]).toEqual(
      expect.arrayContaining(['loops', 'scans', 'passes', 'alerts', 'ui']),
    )
  })

  it('never import each other in both directions', () => {
    const pairs: string[] = []
    for (const [from, targets] of edges) {
      for (const [to, files] of targets) {
        const back = edges.get(to)?.get(from)
        if (back && from < to)
          pairs.push(`${from} ↔ ${to}: ${files.join(', ')} / ${back.join(', ')}`)
      }
    }
    expect(pairs).toEqual([])
  })

  it('leave http/ and db/ free of any feature', () => {
    const leaks = PLUMBING.flatMap((folder) =>
      [...(edges.get(folder) ?? new Map<string, string[]>())]
        .filter(([to]) => !PLUMBING.includes(to))
        .map(([to, files]) => `${folder} → ${to}: ${files.join(', ')}`),
    )
    expect(leaks).toEqual([])
  })
})
