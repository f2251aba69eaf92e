// Where the time goes in a V8 CPU profile (`node --cpu-prof`): the top functions by self time,
// the same grouped by file and by package, and the top functions of this repository by total
// (inclusive) time.
//
//   npx tsx scripts/bench/top-profile.ts <file.cpuprofile | directory> [top=25]
//
// Given a directory, reads the main-thread profile of the newest process in it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
  columnNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}
interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

export interface ProfileRow {
  name: string
  where: string
  ms: number
  percent: number
}

export interface ProfileSummary {
  file: string
  totalMs: number
  samples: number
  topSelf: ProfileRow[]
  byFile: ProfileRow[]
  byPackage: ProfileRow[]
  topTotalInRepo: ProfileRow[]
}

const ROOT_URL = pathToFileURL(resolve(import.meta.dirname, '../..')).href + '/'

function shortUrl(url: string): string {
  if (!url) return ''
  if (url.startsWith(ROOT_URL)) return url.slice(ROOT_URL.length)
  return url.replace(/^file:\/\//, '')
}

function packageOf(where: string, name: string): string {
  if (!where) return name.startsWith('(') ? name : '(native)'
  const nm = where.lastIndexOf('node_modules/')
  if (nm >= 0) {
    const rest = where.slice(nm + 'node_modules/'.length).split('/')
    return 'node_modules/' + (rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0])
  }
  if (where.startsWith('node:')) return 'node: (core)'
  if (where.startsWith('src/')) return where.split('/').slice(0, 2).join('/')
  return where.split('/').slice(0, 2).join('/')
}

/**
 * Given a directory, the main thread's profile of the newest process in it: `--cpu-prof` writes one
 * file per thread (`CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile`), and under `--import tsx`
 * thread 1 is the module-loader worker, not the server.
 */
export function newestProfile(path: string): string {
  if (!statSync(path).isDirectory()) return path
  const files = readdirSync(path)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({
      file: join(path, f),
      mtime: statSync(join(path, f)).mtimeMs,
      main: /\.\d+\.0\.\d+\.cpuprofile$/.test(f),
    }))
    .sort((a, b) => Number(b.main) - Number(a.main) || b.mtime - a.mtime)
  if (!files[0]) throw new Error(`no .cpuprofile in ${path}`)
  return files[0].file
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** Source-map `mappings` to, per generated line, sorted [generated column, original line] pairs. */
function decodeMappings(mappings: string): [number, number][][] {
  const lines: [number, number][][] = []
  let sourceLine = 0
  for (const line of mappings.split(';')) {
    const out: [number, number][] = []
    let column = 0
    for (const segment of line.split(',')) {
      if (!segment) continue
      const values: number[] = []
      let value = 0
      let shift = 0
      for (const ch of segment) {
        const digit = BASE64.indexOf(ch)
        value += (digit & 31) << shift
        if (digit & 32) shift += 5
        else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1)
          value = 0
          shift = 0
        }
      }
      column += values[0]
      if (values.length >= 4) {
        sourceLine += values[2]
        out.push([column, sourceLine])
      }
    }
    lines.push(out)
  }
  return lines
}

/**
 * tsx runs TypeScript minified to one line (`minifyWhitespace`), so a profile's line numbers say
 * nothing. tsx keeps each transformed file with its source map in its cache directory; this maps a
 * (column, function name) back to the original line through it, choosing the cached version whose
 * code has that function at that column (the file may have changed since).
 */
class SourceLocator {
  private bySource?: Map<
    string,
    { code: string; mappings: string; mtime: number; decoded?: [number, number][][] }[]
  >

  private load() {
    const dir = join(tmpdir(), `tsx-${userInfo().uid}`)
    this.bySource = new Map()
    if (!existsSync(dir)) return
    for (const name of readdirSync(dir)) {
      try {
        const file = join(dir, name)
        const entry = JSON.parse(readFileSync(file, 'utf8')) as {
          code?: string
          map?: { sources?: string[]; mappings?: string }
        }
        const source = entry.map?.sources?.[0]
        if (!entry.code || !source || !entry.map?.mappings) continue
        const list = this.bySource.get(source) ?? []
        list.push({ code: entry.code, mappings: entry.map.mappings, mtime: statSync(file).mtimeMs })
        this.bySource.set(source, list)
      } catch {
        // not a cache entry
      }
    }
    for (const list of this.bySource.values()) list.sort((a, b) => b.mtime - a.mtime)
  }

  /** The 1-based original line, or null if it cannot be told. */
  locate(url: string, line: number, column: number, name: string): number | null {
    if (!url.startsWith('file://') || !/\.(ts|tsx|mts|cts)$/.test(url)) return null
    if (!this.bySource) this.load()
    const candidates = this.bySource!.get(fileURLToPath(url))
    if (!candidates?.length) return null
    const named =
      name && name !== '(anonymous)'
        ? candidates.find((c) => c.code.slice(0, column).endsWith(name))
        : undefined
    const entry = named ?? candidates[0]
    entry.decoded ??= decodeMappings(entry.mappings)
    const segments = entry.decoded[line]
    if (!segments?.length) return null
    let lo = 0
    let hi = segments.length - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (segments[mid][0] <= column) {
        found = mid
        lo = mid + 1
      } else hi = mid - 1
    }
    return found >= 0 ? segments[found][1] + 1 : null
  }
}

export function summariseProfile(path: string, top = 25): ProfileSummary {
  const file = newestProfile(path)
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)

  const self = new Map<number, number>()
  let total = 0
  // timeDeltas[i] is the time since the previous sample; charge it to the sample it ends.
  profile.samples.forEach((id, i) => {
    const dt = Math.max(0, profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0)
    self.set(id, (self.get(id) ?? 0) + dt)
    total += dt
  })

  const locator = new SourceLocator()
  const located = new Map<number, { key: string; name: string; where: string; file: string }>()
  const fnKey = (n: ProfileNode) => {
    let k = located.get(n.id)
    if (k) return k
    const { url, lineNumber, columnNumber } = n.callFrame
    const where = shortUrl(url)
    const name = n.callFrame.functionName || (where ? '(anonymous)' : '(unknown)')
    const original = locator.locate(url, lineNumber, columnNumber, name)
    const position = original !== null ? `${original}` : `${lineNumber + 1}:${columnNumber + 1}`
    k = {
      key: `${name}\u0000${where}:${position}`,
      name,
      where: where ? `${where}:${position}` : '',
      file: where,
    }
    located.set(n.id, k)
    return k
  }
  const fnSelf = new Map<string, ProfileRow>()
  const fileSelf = new Map<string, number>()
  const pkgSelf = new Map<string, number>()
  for (const [id, us] of self) {
    const n = byId.get(id)!
    const k = fnKey(n)
    const row = fnSelf.get(k.key) ?? { name: k.name, where: k.where, ms: 0, percent: 0 }
    row.ms += us / 1000
    fnSelf.set(k.key, row)
    const fileName = k.file || k.name
    fileSelf.set(fileName, (fileSelf.get(fileName) ?? 0) + us / 1000)
    const pkg = packageOf(k.file, k.name)
    pkgSelf.set(pkg, (pkgSelf.get(pkg) ?? 0) + us / 1000)
  }

  // Inclusive time of this repository's functions: each sample counts once per function on its stack.
  const fnTotal = new Map<string, ProfileRow>()
  const stackKeys = new Map<number, { key: string; name: string; where: string }[]>()
  const keysOnStack = (id: number) => {
    let keys = stackKeys.get(id)
    if (keys) return keys
    keys = []
    const seen = new Set<string>()
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!
      const k = fnKey(n)
      if (!k.file.startsWith('src/') && !k.file.startsWith('scripts/')) continue
      if (seen.has(k.key)) continue
      seen.add(k.key)
      keys.push(k)
    }
    stackKeys.set(id, keys)
    return keys
  }
  for (const [id, us] of self) {
    for (const k of keysOnStack(id)) {
      const row = fnTotal.get(k.key) ?? { name: k.name, where: k.where, ms: 0, percent: 0 }
      row.ms += us / 1000
      fnTotal.set(k.key, row)
    }
  }

  const totalMs = total / 1000
  const finish = (rows: ProfileRow[]) =>
    rows
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((r) => ({
        ...r,
        ms: Math.round(r.ms * 10) / 10,
        percent: Math.round((r.ms / totalMs) * 1000) / 10,
      }))
  const fromMap = (m: Map<string, number>) =>
    [...m].map(([name, ms]) => ({ name, where: '', ms, percent: 0 }))
  return {
    file,
    totalMs: Math.round(totalMs),
    samples: profile.samples.length,
    topSelf: finish([...fnSelf.values()]),
    byFile: finish(fromMap(fileSelf)).slice(0, 15),
    byPackage: finish(fromMap(pkgSelf)).slice(0, 15),
    topTotalInRepo: finish([...fnTotal.values()]),
  }
}

export function formatSummary(s: ProfileSummary): string {
  const lines: string[] = []
  const table = (title: string, rows: ProfileRow[], withWhere = true) => {
    lines.push('', title)
    lines.push(`  ${'ms'.padStart(9)} ${'%'.padStart(6)}  function${withWhere ? ' — where' : ''}`)
    for (const r of rows)
      lines.push(
        `  ${r.ms.toFixed(1).padStart(9)} ${r.percent.toFixed(1).padStart(6)}  ${r.name}${withWhere && r.where ? ` — ${r.where}` : ''}`,
      )
  }
  lines.push(`profile ${s.file}: ${s.samples} samples, ${(s.totalMs / 1000).toFixed(1)} s`)
  table(`top ${s.topSelf.length} functions by self time`, s.topSelf)
  table('self time by file', s.byFile, false)
  table('self time by package / src folder', s.byPackage, false)
  table(
    `top ${s.topTotalInRepo.length} functions of this repository by total (inclusive) time`,
    s.topTotalInRepo,
  )
  return lines.join('\n')
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [path, top] = process.argv.slice(2)
  if (!path) {
    console.error('usage: tsx scripts/bench/top-profile.ts <file.cpuprofile | directory> [top=25]')
    process.exit(2)
  }
  console.log(formatSummary(summariseProfile(path, Number(top ?? 25))))
}
