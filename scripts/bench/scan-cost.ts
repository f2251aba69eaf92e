// `npm run bench:scan-cost`: what one valid scan costs the server, by kind — the SQL statements it
// runs (reads on the main thread's connection, statements in its atomic write) and the main
// thread's CPU — for an ENTRY scan (opens a loop) and a DESTINATION scan (`destination_arrived` on
// a released loop). The app is built in-process on a temporary SQLite file, as `npm start` builds
// it (write thread, node:crypto signature checks), and driven through `app.request` at a fixed
// concurrency, so HTTP parsing is not in the figures. Prints a table; writes
// bench-results/scan-cost.json.
//
//   SCAN_COST_N=2000            scans measured of each kind
//   SCAN_COST_CONCURRENCY=16    scans in flight (the write thread groups their commits)
import type Sqlite from 'better-sqlite3'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { migrate } from '../../src/db/migrator.ts'
import { openNodeStore, rawSqlite } from '../../src/db/node-store.ts'
import type { Store } from '../../src/db/store.ts'
import { seedDemo, seedOnStart } from '../../src/demo/seed.ts'
import { generateSecrets } from '../../src/keys/generate.ts'
import { signPassToken } from '../../src/passes/pass-token.ts'
import { nodeEd25519Check } from '../../src/trust/node-signature-check.ts'
import { loadSigningKeys } from '../../src/trust/signing-keys.ts'
import {
  DAY,
  HOUR,
  MINUTE,
  loopWriter,
  passWriter,
  plateSequence,
  ROUTES,
  sealedCrews,
} from './fixtures.ts'
import { percentile } from './load.ts'
import { ROOT, threadCpuMs } from './server.ts'

const N = Number(process.env.SCAN_COST_N ?? 2_000)
const CONCURRENCY = Number(process.env.SCAN_COST_CONCURRENCY ?? 16)
const WARM = 300
const ISSUER = '330100'
const ENTRY = 'HZ-G60-XS'
const DESTINATION = 'HZ-DEST-BJ'
const ADMIN = { username: 'cost-admin', password: `cost-${crypto.randomUUID()}` }
const CHECKPOINT = { username: 'cost-checkpoint', password: `cost-${crypto.randomUUID()}` }

const log = (message: string) => process.stderr.write(`[scan-cost] ${message}\n`)

/** Statements run, counted where they run: the main thread's connection, and `atomic`. */
interface Counts {
  reads: number
  /** Statements run on the main connection that are not reads (none expected: writes are atomic). */
  otherStatements: number
  atomicCalls: number
  atomicStatements: number
  guards: number
}
const counts: Counts = {
  reads: 0,
  otherStatements: 0,
  atomicCalls: 0,
  atomicStatements: 0,
  guards: 0,
}
const resetCounts = () =>
  Object.assign(counts, {
    reads: 0,
    otherStatements: 0,
    atomicCalls: 0,
    atomicStatements: 0,
    guards: 0,
  })

/**
 * Counts every statement run on `sqlite`: each statement is prepared through `sqlite.prepare`
 * (the store's statement cache and Kysely's driver both call it), so wrapping it before the first
 * query sees them all, cached or not.
 */
function countStatements(sqlite: Sqlite.Database) {
  const prepare = sqlite.prepare.bind(sqlite)
  sqlite.prepare = ((text: string) => {
    const statement = prepare(text)
    for (const method of ['all', 'get', 'run', 'iterate'] as const) {
      const original = (statement[method] as (...args: unknown[]) => unknown).bind(statement)
      Object.assign(statement, {
        [method]: (...args: unknown[]) => {
          if (statement.reader) counts.reads++
          else counts.otherStatements++
          return original(...args)
        },
      })
    }
    return statement
  }) as typeof sqlite.prepare
}

/** The store with `atomic` counted: how many writes, statements and guards. */
function countingStore(store: Store): Store {
  return {
    ...store,
    atomic(queries) {
      counts.atomicCalls++
      counts.atomicStatements += queries.length
      counts.guards += queries.filter((q) => 'guard' in q).length
      return store.atomic(queries)
    },
  }
}

async function prepare() {
  const dir = mkdtempSync(join(tmpdir(), 'tongxing-scan-cost-'))
  const secrets = await generateSecrets()
  const config = loadConfig({
    ...secrets,
    SEED_DEMO: '0',
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
  })
  const now = new Date()
  const store = openNodeStore(join(dir, 'tongxing.db'))
  const sqlite = rawSqlite(store)
  countStatements(sqlite)
  migrate(sqlite)
  await seedDemo(store, config, now)
  await seedOnStart(store, config, now)

  // Passes with signed tokens: even indexes for entry scans, odd ones for destination scans, whose
  // loops were opened an hour ago at the entry checkpoint, sampled and released towards the
  // destination (as the bench's pool: scripts/bench/run.ts).
  const keys = await loadSigningKeys(config.SIGNING_KEYS)
  const crews = await sealedCrews(config.DATA_KEY, 8)
  const firms = ['demo-ent-1', 'demo-ent-2', 'demo-ent-3']
  const total = 2 * (N + WARM)
  const nextPlate = plateSequence('CD')
  const validFrom = new Date(Math.floor((now.getTime() - DAY) / MINUTE) * MINUTE)
  const validUntil = new Date(Math.floor((now.getTime() + 20 * DAY) / MINUTE) * MINUTE)
  const specs = Array.from({ length: total }, (_, i) => ({
    serial: i + 1,
    plate: nextPlate(),
    enterpriseId: firms[i % firms.length],
    ...ROUTES[i % ROUTES.length],
    validFrom,
    validUntil,
    issuedAt: new Date(validFrom.getTime() - HOUR),
    kid: keys.current.kid,
    crew: crews[i % crews.length],
  }))
  const tokens = await Promise.all(
    specs.map((s) =>
      signPassToken(
        {
          number: ISSUER + String(s.serial).padStart(6, '0'),
          plate: s.plate,
          validFrom: s.validFrom,
          validUntil: s.validUntil,
          origin: s.origin,
          destination: s.station ?? s.destinationRegion,
        },
        keys.current,
      ),
    ),
  )
  const writePass = passWriter(sqlite, ISSUER)
  const writeLoop = loopWriter(sqlite, { releaseHours: 6, resultOverdueHours: 8 })
  sqlite.transaction(() => {
    specs.forEach((s, i) => {
      const number = writePass({ ...s, token: tokens[i] })
      if (i % 2 === 0) return
      const base = now.getTime() - 70 * MINUTE - (i % 600) * 1000
      writeLoop.write(
        {
          plate: s.plate,
          passNumber: number,
          enterpriseId: s.enterpriseId,
          entry: ENTRY,
          events: [
            { kind: 'arrived', at: new Date(base), checkpoint: ENTRY },
            {
              kind: 'sampled',
              at: new Date(base + 3 * MINUTE),
              checkpoint: ENTRY,
              data: { tube_code: `C${i}`, tests: ['pcr'] },
            },
            {
              kind: 'released',
              at: new Date(base + 6 * MINUTE),
              checkpoint: ENTRY,
              data: { destination_code: DESTINATION },
            },
          ],
        },
        now,
      )
    })
  })()
  const entry = tokens.filter((_, i) => i % 2 === 0)
  const destination = tokens.filter((_, i) => i % 2 === 1)

  const app = createApp({
    store: countingStore(store),
    config,
    clock: () => new Date(),
    clientAddress: () => '127.0.0.1',
    sha256Hex: (text: string) => createHash('sha256').update(text).digest('hex'),
    verifyEd25519: nodeEd25519Check,
  })
  const call = async (path: string, body: unknown, token?: string) => {
    const response = await app.request(path, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    })
    return { status: response.status, json: (await response.json()) as Record<string, unknown> }
  }
  const login = async (who: { username: string; password: string }) => {
    const r = await call('/api/v1/auth/login', who)
    if (r.status !== 200)
      throw new Error(`login ${who.username}: ${r.status} ${JSON.stringify(r.json)}`)
    return r.json.token as string
  }
  const admin = await login(ADMIN)
  const made = await call(
    '/api/v1/accounts',
    { ...CHECKPOINT, role: 'checkpoint', checkpoint_codes: [ENTRY, DESTINATION] },
    admin,
  )
  if (made.status !== 201)
    throw new Error(`create the checkpoint account: ${made.status} ${JSON.stringify(made.json)}`)
  const checkpoint = await login(CHECKPOINT)
  const scan = (token: string, at: string) =>
    call('/api/v1/scans', { id: crypto.randomUUID(), token, checkpoint_code: at }, checkpoint)
  return { dir, store, entry, destination, scan }
}

type Scan = (
  token: string,
  checkpoint: string,
) => Promise<{ status: number; json: Record<string, unknown> }>

/** Runs one scan per token at `checkpoint`, CONCURRENCY at a time; counts what it cost. */
async function measure(scan: Scan, tokens: string[], checkpoint: string) {
  const answers = new Map<string, number>()
  const latencies: number[] = []
  resetCounts()
  const mainBefore = threadCpuMs(process.pid).get(process.pid) ?? 0
  const cpuBefore = process.cpuUsage()
  const eluBefore = performance.eventLoopUtilization()
  const started = performance.now()
  let next = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < tokens.length) {
        const token = tokens[next++]
        const t = performance.now()
        const r = await scan(token, checkpoint)
        latencies.push(performance.now() - t)
        const a = r.json as {
          verdict?: string
          reasons?: string[]
          loop?: { state?: string }
          error?: { code?: string }
        }
        const key =
          r.status === 200
            ? `${a.verdict}${a.reasons?.length ? ' ' + a.reasons.join('+') : ''} → loop ${a.loop?.state ?? '-'}`
            : `${r.status} ${a.error?.code ?? ''}`
        answers.set(key, (answers.get(key) ?? 0) + 1)
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  const elu = performance.eventLoopUtilization(eluBefore)
  const cpu = process.cpuUsage(cpuBefore)
  const mainMs = (threadCpuMs(process.pid).get(process.pid) ?? 0) - mainBefore
  const n = tokens.length
  const per = (x: number) => Math.round((x / n) * 100) / 100
  latencies.sort((a, b) => a - b)
  return {
    scans: n,
    answers: Object.fromEntries(answers),
    per_scan: {
      reads: per(counts.reads),
      other_statements_on_main_connection: per(counts.otherStatements),
      atomic_writes: per(counts.atomicCalls),
      atomic_statements: per(counts.atomicStatements),
      guards: per(counts.guards),
      main_thread_cpu_us: Math.round((mainMs * 1000) / n),
      process_cpu_us: Math.round((cpu.user + cpu.system) / n),
      event_loop_active_us: Math.round((elu.active * 1000) / n),
    },
    scans_per_s: Math.round(n / seconds),
    latency_ms: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
  }
}

function table(results: Record<string, Awaited<ReturnType<typeof measure>>>) {
  const metrics: [string, (r: Awaited<ReturnType<typeof measure>>) => string][] = [
    ['reads (main connection)', (r) => String(r.per_scan.reads)],
    ['atomic writes', (r) => String(r.per_scan.atomic_writes)],
    ['statements in atomic writes', (r) => String(r.per_scan.atomic_statements)],
    ['of which guards', (r) => String(r.per_scan.guards)],
    [
      'other statements (main conn.)',
      (r) => String(r.per_scan.other_statements_on_main_connection),
    ],
    ['main-thread CPU (µs)', (r) => String(r.per_scan.main_thread_cpu_us)],
    ['event-loop active (µs)', (r) => String(r.per_scan.event_loop_active_us)],
    ['process CPU, all threads (µs)', (r) => String(r.per_scan.process_cpu_us)],
    ['scans/s in-process', (r) => String(r.scans_per_s)],
    [
      'latency p50 / p99 (ms)',
      (r) => `${r.latency_ms.p50.toFixed(1)} / ${r.latency_ms.p99.toFixed(1)}`,
    ],
  ]
  const kinds = Object.keys(results)
  const rows = [
    ['per valid scan', ...kinds],
    ...metrics.map(([name, value]) => [name, ...kinds.map((k) => value(results[k]))]),
  ]
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)))
  const lines = rows.map((r) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | '),
  )
  lines.splice(1, 0, lines[0].replace(/[^|]/g, '-'))
  return lines.join('\n')
}

const { dir, store, entry, destination, scan } = await prepare()
try {
  log(`warm-up: ${WARM} scans of each kind`)
  await measure(scan, entry.slice(0, WARM), ENTRY)
  await measure(scan, destination.slice(0, WARM), DESTINATION)
  log(`measuring ${N} entry scans, then ${N} destination scans, ${CONCURRENCY} in flight`)
  const results = {
    entry: await measure(scan, entry.slice(WARM), ENTRY),
    destination: await measure(scan, destination.slice(WARM), DESTINATION),
  }
  const text = table(results)
  console.log(text)
  for (const [kind, r] of Object.entries(results))
    console.log(`${kind} answers: ${JSON.stringify(r.answers)}`)
  const resultsDir = join(ROOT, 'bench-results')
  mkdirSync(resultsDir, { recursive: true })
  writeFileSync(
    join(resultsDir, 'scan-cost.json'),
    JSON.stringify(
      {
        at: new Date().toISOString(),
        node: process.version,
        n: N,
        concurrency: CONCURRENCY,
        ...results,
        table: text.split('\n'),
      },
      null,
      2,
    ) + '\n',
  )
  log('wrote bench-results/scan-cost.json')
} finally {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
}
