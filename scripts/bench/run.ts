// `npm run bench`: the service under the load its users give it, beside the hardware's own limits
// measured in the same run. Measurement only: it changes nothing in src/.
//
//   npm run bench                 full run (4–7 minutes on a 2-core VM, half of it the 1M-loop bulk load)
//   BENCH_QUICK=1 npm run bench   smoke run (1–1.5 minutes): smaller pools, shorter loads, growth to 100k
//   BENCH_PROFILE=1 npm run bench the scan-phase server (and the events/issuance one) under node --cpu-prof;
//                                 the top functions are printed and saved with the results
//   BENCH_GROWTH=10000,100000     growth steps (total loops), overriding the mode's default
//   BENCH_KEEP=1                  keep the temporary data directory (it is deleted otherwise)
//   BENCH_TMPFS=0                 skip the second scan run on a tmpfs copy of the database
//
// Steps: (1) a fresh DATA_DIR with generated secrets, migrations, the demo seed, more whitelisted
// firms and a pool of approved passes with valid signed tokens, bulk-loaded with better-sqlite3;
// (2) baselines: a bare Hono app (requests/s) and jose's Ed25519 compactVerify on one core;
// (3) the real server (`node --import tsx src/node.ts`) on 127.0.0.1: scans (autocannon, then wrk
// when installed), events in batches of 100, issuance (approve + SVG QR); (4) growth: history bulk-loaded to 10k, 100k, 1M loops on a
// second database, and the loops list, open alerts and a firm's audit report timed at each size.
// Prints one table; writes the same as JSON to bench-results/latest.json.
import Sqlite from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import { compactVerify, importJWK } from 'jose'
import { createPublicKey, verify as nodeVerify } from 'node:crypto'
import {
  closeSync,
  copyFileSync,
  existsSync,
  fdatasyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { execFileSync, fork } from 'node:child_process'
import { generateSecrets } from '../../src/keys/generate.ts'
import { loadConfig, type Config } from '../../src/config.ts'
import { openNodeStore, rawSqlite } from '../../src/db/node-store.ts'
import { migrate } from '../../src/db/migrator.ts'
import { seedDemo } from '../../src/demo/seed.ts'
import { loadSigningKeys } from '../../src/trust/signing-keys.ts'
import { signPassToken } from '../../src/passes/pass-token.ts'
import { reportQueries } from '../../src/audit/compliance-report.ts'
import { startOfChinaDay } from '../../src/applications/rules.ts'
import type { Database } from '../../src/database.ts'
import {
  bulkPragmas,
  DAY,
  HOUR,
  MINUTE,
  insertEnterprises,
  loopWriter,
  passWriter,
  phone,
  plateSequence,
  residentId,
  ROUTES,
  sealedCrews,
  withoutIndexes,
} from './fixtures.ts'
import { generateGrowth, newGrowthState, timePageQueries } from './growth.ts'
import { median, pool, runLoad, type LoadResult } from './load.ts'
import { ROOT, startServer, watchCpu, type Server } from './server.ts'
import { findWrk, runWrk } from './wrk.ts'
import { formatSummary, summariseProfile, type ProfileSummary } from './top-profile.ts'

const QUICK = process.env.BENCH_QUICK === '1'
const PROFILE = process.env.BENCH_PROFILE === '1'
const KEEP = process.env.BENCH_KEEP === '1'
const MODE = QUICK
  ? {
      scanPool: 20_000,
      warmPool: 2_000,
      eventLoops: 10_000,
      honoSeconds: 4,
      verifySeconds: 2,
      scanSeconds: 5,
      warmSeconds: 1,
      eventSeconds: 5,
      issue: 200,
      issueSeconds: 20,
      growth: [10_000, 100_000],
      queryRuns: 5,
      pngSeconds: 4,
    }
  : {
      scanPool: 40_000,
      warmPool: 4_000,
      eventLoops: 30_000,
      honoSeconds: 10,
      verifySeconds: 5,
      scanSeconds: 10,
      warmSeconds: 2,
      eventSeconds: 15,
      issue: 1_000,
      issueSeconds: 60,
      growth: [10_000, 100_000, 1_000_000],
      queryRuns: 7,
      pngSeconds: 8,
    }
const GROWTH = process.env.BENCH_GROWTH
  ? process.env.BENCH_GROWTH.split(',').map(Number)
  : MODE.growth
const CONNECTIONS = 64
// Scans while PNGs are fetched: a steady scan rate well below saturation (so the latency is the
// scans' own, not a queue's), measured alone and then while one enterprise account keeps
// PNG_CLIENTS requests for large QR PNGs in flight.
const PNG = { scanConnections: 16, scanRate: 300, clients: 32, maxWidth: 1024 }
const PNG_POOL = 2 * PNG.scanRate * MODE.pngSeconds + 1_000
// The scan load once more with wrk (C) beside autocannon (JavaScript on the same cores), on fresh
// passes of its own; skipped with a note when wrk is not installed.
const WRK = findWrk()
const WRK_POOL = WRK ? MODE.scanPool : 0
const EXTRA_FIRMS = 195
const ISSUER = '330100'
const LIMITS = { releaseHours: 6, resultOverdueHours: 8 }
const ADMIN = { username: 'bench-admin', password: `bench-${crypto.randomUUID()}` }
const CHECKPOINT = { username: 'bench-checkpoint', password: `bench-${crypto.randomUUID()}` }
const FIRM = { username: 'bench-firm', password: `bench-${crypto.randomUUID()}` }

const t0 = performance.now()
const log = (message: string) =>
  process.stderr.write(
    `[bench ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${message}\n`,
  )
const round = (x: number, digits = 1) =>
  Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : null

const work = mkdtempSync(join(tmpdir(), 'tongxing-bench-'))
// The same scan load once more with the database on tmpfs, where fsync costs nothing: the gap
// between the two runs is what durable commits (synchronous = FULL) cost on this disk.
const SHM =
  process.env.BENCH_TMPFS !== '0' && existsSync('/dev/shm')
    ? mkdtempSync('/dev/shm/tongxing-bench-')
    : null
const resultsDir = join(ROOT, 'bench-results')
const profileRoot = join(resultsDir, 'profiles', new Date().toISOString().replace(/[:.]/g, '-'))
mkdirSync(resultsDir, { recursive: true })
const servers = new Set<Server>()
const problems: string[] = []

/** The 1-minute load average when each phase began: above ~1 on this box, something else was busy. */
const loadAverages: Record<string, number> = {}
function noteLoad(phase: string) {
  const load = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0])
  loadAverages[phase] = load
  if (load > 1.5)
    log(
      `note: load average ${load} before ${phase}: other processes are using the CPU, figures will be low and noisy`,
    )
}

/** Ends the servers this run started and removes its temporary directories. */
function cleanUp() {
  for (const s of servers) s.child.kill('SIGKILL')
  servers.clear()
  if (SHM) rmSync(SHM, { recursive: true, force: true })
  if (KEEP) log(`kept ${work}`)
  else rmSync(work, { recursive: true, force: true })
}
// Every step is bounded; this is the last resort if something hangs anyway.
const watchdog = setTimeout(() => {
  log('watchdog: the run took over 30 minutes; stopping')
  cleanUp()
  process.exit(3)
}, 30 * 60_000)
watchdog.unref()
process.on('SIGINT', () => {
  cleanUp()
  process.exit(130)
})

// The server as `npm start` runs it: the bundle made by scripts/build-server.ts (built in main()).
const SERVER_ENTRY = 'dist/server/node.mjs'
// BENCH_NODE_ARGS adds Node options to try (e.g. GC settings), separated by spaces.
const SERVER_NODE_ARGS = [
  `--max-old-space-size=${process.env.HEAP_MB ?? 128}`,
  ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
]

async function start(
  entry: string,
  name: string,
  env: Record<string, string>,
  profile = false,
): Promise<Server> {
  const profileDir = profile ? join(profileRoot, name) : undefined
  if (profileDir) mkdirSync(profileDir, { recursive: true })
  const server = await startServer({
    entry,
    env,
    logFile: join(work, `${name}.log`),
    health: entry === SERVER_ENTRY ? '/healthz' : '/',
    profileDir,
    nodeArgs: entry === SERVER_ENTRY ? SERVER_NODE_ARGS : [],
  })
  servers.add(server)
  log(
    `${name}: pid ${server.pid} on ${server.url} (up in ${server.startSeconds.toFixed(1)} s${profileDir ? ', profiling' : ''})`,
  )
  return server
}
async function stop(server: Server) {
  await server.stop()
  servers.delete(server)
}

async function api(
  server: Server,
  path: string,
  init: { method?: string; token?: string; body?: unknown } = {},
) {
  const response = await fetch(server.url + path, {
    method: init.method ?? (init.body ? 'POST' : 'GET'),
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.body ? { 'content-type': 'application/json' } : {}),
    },
    body: init.body ? JSON.stringify(init.body) : undefined,
  })
  const text = await response.text()
  return { status: response.status, text, json: () => JSON.parse(text) }
}
async function login(server: Server, who: { username: string; password: string }): Promise<string> {
  const r = await api(server, '/api/v1/auth/login', { body: who })
  if (r.status !== 200) throw new Error(`login ${who.username}: ${r.status} ${r.text}`)
  return r.json().token
}

const serverEnv = (dataDir: string) => ({
  DATA_DIR: dataDir,
  SEED_DEMO: '0',
  ADMIN_USERNAME: ADMIN.username,
  ADMIN_PASSWORD: ADMIN.password,
})

/** Counts answers by status and by (verdict, reasons, flags) or error code. */
function tally() {
  const counts = new Map<string, number>()
  return {
    add(key: string, n = 1) {
      counts.set(key, (counts.get(key) ?? 0) + n)
    },
    get: () => Object.fromEntries([...counts].sort((a, b) => b[1] - a[1])),
  }
}

function errorCode(status: number, body: string) {
  try {
    return `${status} ${JSON.parse(body).error?.code ?? ''}`.trim()
  } catch {
    return `${status}`
  }
}

/** fdatasync calls per second on the disk under `dir` (what each durable commit waits for). */
function fsyncRate(dir: string, seconds = 1) {
  const file = join(dir, 'fsync-probe.bin')
  const fd = openSync(file, 'w')
  const block = Buffer.alloc(4096, 1)
  let n = 0
  const started = performance.now()
  while (performance.now() - started < seconds * 1000) {
    writeSync(fd, block)
    fdatasyncSync(fd)
    n++
  }
  closeSync(fd)
  rmSync(file)
  const perSecond = n / ((performance.now() - started) / 1000)
  return { fdatasync_per_s: Math.round(perSecond), ms_each: round(1000 / perSecond, 3) }
}

// ---------------------------------------------------------------------------------------------
// 1. Data: a fresh database with the demo seed, more firms, the pass pool and open loops.

interface Prepared {
  dataDir: string
  config: Config
  entryTokens: string[]
  destTokens: string[]
  warmEntry: string[]
  warmDest: string[]
  /** Separate fresh tokens for the PNG phase's two scan runs. */
  pngEntry: string[]
  pngDest: string[]
  /** Fresh tokens for the scan run with wrk (none when wrk is not installed). */
  wrkEntry: string[]
  wrkDest: string[]
  verifyTokens: string[]
  timings: Record<string, number>
}

async function prepareMain(): Promise<Prepared> {
  const timings: Record<string, number> = {}
  const dataDir = join(work, 'main')
  mkdirSync(dataDir, { recursive: true })
  const secrets = await generateSecrets()
  writeFileSync(join(dataDir, 'secrets.json'), JSON.stringify(secrets, null, 2) + '\n', {
    mode: 0o600,
  })
  const config = loadConfig({ ...secrets, SEED_DEMO: '0' })
  const now = new Date()
  const store = openNodeStore(join(dataDir, 'tongxing.db'))
  const db = rawSqlite(store)
  migrate(db)
  await seedDemo(store, config, now)
  bulkPragmas(db)
  const firms = [
    'demo-ent-1',
    'demo-ent-2',
    'demo-ent-3',
    ...(await insertEnterprises(db, config.DATA_KEY, EXTRA_FIRMS, now.toISOString())),
  ]
  const crews = await sealedCrews(config.DATA_KEY, 24)
  const keys = await loadSigningKeys(config.SIGNING_KEYS)

  // The pass pool: even indexes are scanned at the entry checkpoint, odd ones at the destination.
  const total = MODE.scanPool + MODE.warmPool + PNG_POOL + WRK_POOL
  const nextPlate = plateSequence('AB')
  const validFrom = new Date(Math.floor((now.getTime() - DAY) / MINUTE) * MINUTE)
  const validUntil = new Date(Math.floor((now.getTime() + 20 * DAY) / MINUTE) * MINUTE)
  const specs = Array.from({ length: total }, (_, i) => {
    const route = ROUTES[i % ROUTES.length]
    return {
      serial: i + 1,
      plate: nextPlate(),
      enterpriseId: firms[i % firms.length],
      ...route,
      validFrom,
      validUntil,
      issuedAt: new Date(validFrom.getTime() - HOUR),
      kid: keys.current.kid,
      crew: crews[i % crews.length],
    }
  })
  let t = performance.now()
  const tokens: string[] = []
  for (let i = 0; i < specs.length; i += 2_000) {
    const part = specs.slice(i, i + 2_000)
    tokens.push(
      ...(await Promise.all(
        part.map((s) =>
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
      )),
    )
  }
  timings.sign_tokens_s = (performance.now() - t) / 1000
  log(`signed ${tokens.length} pass tokens in ${timings.sign_tokens_s.toFixed(1)} s`)

  t = performance.now()
  const writePass = passWriter(db, ISSUER)
  const writer = loopWriter(db, LIMITS)
  const eventPlates = plateSequence('PQ')
  db.transaction(() => {
    specs.forEach((s, i) => {
      const number = writePass({ ...s, token: tokens[i] })
      // Destination half: a loop opened an hour ago at the entry checkpoint, sampled and released
      // towards HZ-DEST-BJ, so the destination scan records `destination_arrived` on it.
      if (i % 2 === 1) {
        const base = now.getTime() - 70 * MINUTE - (i % 600) * 1000
        writer.write(
          {
            plate: s.plate,
            passNumber: number,
            enterpriseId: s.enterpriseId,
            entry: 'HZ-G60-XS',
            events: [
              { kind: 'arrived', at: new Date(base), checkpoint: 'HZ-G60-XS' },
              {
                kind: 'sampled',
                at: new Date(base + 3 * MINUTE),
                checkpoint: 'HZ-G60-XS',
                data: { tube_code: `B${i}`, tests: ['pcr'] },
              },
              {
                kind: 'released',
                at: new Date(base + 6 * MINUTE),
                checkpoint: 'HZ-G60-XS',
                data: { destination_code: 'HZ-DEST-BJ' },
              },
            ],
          },
          now,
        )
      }
    })
    // Loops for the events phase: arrived two hours ago, nothing recorded since.
    for (let i = 0; i < MODE.eventLoops; i++) {
      const route = ROUTES[i % ROUTES.length]
      const plate = eventPlates()
      const enterpriseId = firms[i % firms.length]
      const number = writePass({
        serial: total + i + 1,
        plate,
        enterpriseId,
        ...route,
        validFrom,
        validUntil,
        issuedAt: new Date(validFrom.getTime() - HOUR),
        kid: keys.current.kid,
        token: null,
        crew: crews[i % crews.length],
      })
      writer.write(
        {
          plate,
          passNumber: number,
          enterpriseId,
          entry: 'HZ-G60-XS',
          events: [
            {
              kind: 'arrived',
              at: new Date(now.getTime() - 2 * HOUR + (i % 3600) * 1000),
              checkpoint: 'HZ-G60-XS',
            },
          ],
        },
        now,
      )
    }
  })()
  db.pragma('synchronous = FULL')
  timings.load_rows_s = (performance.now() - t) / 1000
  log(
    `loaded ${total + MODE.eventLoops} applications+passes and ${total / 2 + MODE.eventLoops} open loops in ${timings.load_rows_s.toFixed(1)} s`,
  )
  await store.close()

  // Both parts start at an even index: even tokens stay entry scans, odd ones destination scans.
  const main = tokens.slice(0, MODE.scanPool + MODE.warmPool)
  const extra = tokens.slice(
    MODE.scanPool + MODE.warmPool,
    MODE.scanPool + MODE.warmPool + PNG_POOL,
  )
  const forWrk = tokens.slice(MODE.scanPool + MODE.warmPool + PNG_POOL)
  const entry = main.filter((_, i) => i % 2 === 0)
  const dest = main.filter((_, i) => i % 2 === 1)
  const warm = MODE.warmPool / 2
  return {
    dataDir,
    config,
    warmEntry: entry.slice(0, warm),
    warmDest: dest.slice(0, warm),
    entryTokens: entry.slice(warm),
    destTokens: dest.slice(warm),
    pngEntry: extra.filter((_, i) => i % 2 === 0),
    pngDest: extra.filter((_, i) => i % 2 === 1),
    wrkEntry: forWrk.filter((_, i) => i % 2 === 0),
    wrkDest: forWrk.filter((_, i) => i % 2 === 1),
    verifyTokens: tokens.slice(0, 1_000),
    timings,
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Baselines.

async function verifyBaseline(config: Config, tokens: string[]) {
  const keys = await loadSigningKeys(config.SIGNING_KEYS)
  const publicKey = await importJWK(keys.current.publicJwk, 'EdDSA')
  const run = async (seconds: number) => {
    let n = 0
    const started = performance.now()
    const end = started + seconds * 1000
    while (performance.now() < end) {
      for (let k = 0; k < 200; k++)
        await compactVerify(tokens[n++ % tokens.length], publicKey, { algorithms: ['EdDSA'] })
    }
    return n / ((performance.now() - started) / 1000)
  }
  await run(0.5) // warm up
  const jose = await run(MODE.verifySeconds)
  // For reference: node:crypto's synchronous Ed25519 verify of the same tokens, without jose.
  const nodeKey = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: keys.current.publicJwk.x },
    format: 'jwk',
  })
  const split = tokens.map((tok) => {
    const [h, p, s] = tok.split('.')
    return { data: Buffer.from(`${h}.${p}`), sig: Buffer.from(s, 'base64url') }
  })
  let n = 0
  const started = performance.now()
  while (performance.now() - started < 1000) {
    for (let k = 0; k < 200; k++) {
      const x = split[n++ % split.length]
      if (!nodeVerify(null, x.data, nodeKey, x.sig)) throw new Error('node verify failed')
    }
  }
  const raw = n / ((performance.now() - started) / 1000)
  return { jose_verifies_per_s: jose, node_crypto_verifies_per_s: raw }
}

async function honoBaseline() {
  const server = await start('scripts/bench/bare-hono.ts', 'bare-hono', {})
  await runLoad({ url: server.url, connections: CONNECTIONS, seconds: 1, path: '/' })
  const memory = server.watchMemory()
  const result = await runLoad({
    url: server.url,
    connections: CONNECTIONS,
    seconds: MODE.honoSeconds,
    path: '/',
  })
  const mem = memory()
  await stop(server)
  return { ...result, memory: mem }
}

// ---------------------------------------------------------------------------------------------
// 3. The real server: scans, events, issuance.

function scanLoad(
  server: Server,
  token: string,
  entry: string[],
  dest: string[],
  seconds: number,
  pace: { connections: number; rate?: number } = { connections: CONNECTIONS },
) {
  let next = 0
  const answers = tally()
  const amount = 2 * Math.min(entry.length, dest.length)
  const result = runLoad({
    url: server.url,
    connections: pace.connections,
    rate: pace.rate,
    amount,
    seconds,
    method: 'POST',
    path: '/api/v1/scans',
    headers: { authorization: `Bearer ${token}` },
    body: () => {
      const k = next++
      const atEntry = k % 2 === 0
      const pass = (atEntry ? entry : dest)[k >> 1]
      return JSON.stringify({
        id: crypto.randomUUID(),
        token: pass ?? 'pool-exhausted',
        checkpoint_code: atEntry ? 'HZ-G60-XS' : 'HZ-DEST-BJ',
      })
    },
    onResponse: (status, body) => {
      if (status !== 200) return answers.add(errorCode(status, body))
      const a = JSON.parse(body) as {
        verdict: string
        reasons: string[]
        flags?: string[]
        checkpoint: { code: string }
        loop?: { state: string }
      }
      answers.add(
        `${a.checkpoint.code} ${a.verdict}${a.reasons.length ? ' ' + a.reasons.join('+') : ''}${a.flags ? ' flags:' + a.flags.join('+') : ''} → loop ${a.loop?.state ?? '-'}`,
      )
    },
  })
  return result.then((r) => ({ ...r, answers: answers.get(), sent: next }))
}

function countRows(dataDir: string, sql: string): number {
  const db = new Sqlite(join(dataDir, 'tongxing.db'), { readonly: true })
  try {
    return db.prepare(sql).pluck().get() as number
  } finally {
    db.close()
  }
}

async function scanPhase(
  p: Prepared,
  dataDir = p.dataDir,
  name = 'server-scans',
  profile = PROFILE,
  withWrk = false,
) {
  const server = await start(SERVER_ENTRY, name, serverEnv(dataDir), profile)
  const admin = await login(server, ADMIN)
  for (const [who, extra] of [
    [CHECKPOINT, { role: 'checkpoint', checkpoint_codes: ['HZ-G60-XS', 'HZ-TS-XS', 'HZ-DEST-BJ'] }],
    [FIRM, { role: 'enterprise', enterprise_id: 'demo-ent-1' }],
  ] as const) {
    const r = await api(server, '/api/v1/accounts', { token: admin, body: { ...who, ...extra } })
    if (r.status !== 201) throw new Error(`create account ${who.username}: ${r.status} ${r.text}`)
  }
  const checkpoint = await login(server, CHECKPOINT)
  log('scans: warm-up')
  const warm = await scanLoad(server, checkpoint, p.warmEntry, p.warmDest, MODE.warmSeconds)
  const scansBefore = countRows(dataDir, 'SELECT count(*) FROM scans')
  log(
    `scans: ${CONNECTIONS} connections, up to ${MODE.scanSeconds} s or ${2 * Math.min(p.entryTokens.length, p.destTokens.length)} scans`,
  )
  const memory = server.watchMemory()
  const cpuUsed = watchCpu(server.pid)
  const result = await scanLoad(server, checkpoint, p.entryTokens, p.destTokens, MODE.scanSeconds)
  // CPU per scan: where the two cores went.
  const cpu = cpuUsed(result.requests, result.seconds)
  const mem = memory()
  const stored = countRows(dataDir, 'SELECT count(*) FROM scans') - scansBefore
  const wrk = withWrk ? await wrkScanLoad(server, checkpoint, p, dataDir, name) : null
  await stop(server)
  const logText = readFileSync(join(work, `${name}.log`), 'utf8')
  const errorLines = logText.split('\n').filter((l) => /error/i.test(l))
  if (result.non2xx || result.errors)
    problems.push(
      `${name}: ${result.non2xx} non-2xx answers and ${result.errors} connection errors: ${JSON.stringify(result.answers)}`,
    )
  if (stored < result.ok)
    problems.push(`${name}: ${result.ok} answered 200 but only ${stored} stored`)
  if (errorLines.length)
    problems.push(
      `${name}: ${errorLines.length} error lines in the server log, e.g. ${errorLines[0].slice(0, 300)}`,
    )
  return {
    warmup: { ok: warm.ok, non2xx: warm.non2xx, answers: warm.answers },
    ...result,
    stored_rows: stored,
    memory: mem,
    cpu,
    server_error_lines: errorLines.length,
    wrk,
  }
}

/**
 * The same scan load with wrk, on the same server right after autocannon's run (its database has
 * those scans too): entry and destination scans alternating, each a fresh id and pass token,
 * from a list made beforehand so wrk's Lua only reads lines.
 */
async function wrkScanLoad(
  server: Server,
  checkpoint: string,
  p: Prepared,
  dataDir: string,
  name: string,
) {
  if (!WRK) {
    log('scans: wrk is not installed (apt-get install wrk): the wrk run is skipped')
    return { skipped: 'wrk is not installed (apt-get install wrk)' } as const
  }
  const count = Math.min(p.wrkEntry.length, p.wrkDest.length)
  const bodies = Array.from({ length: 2 * count }, (_, k) => {
    const atEntry = k % 2 === 0
    return JSON.stringify({
      id: crypto.randomUUID(),
      token: (atEntry ? p.wrkEntry : p.wrkDest)[k >> 1],
      checkpoint_code: atEntry ? 'HZ-G60-XS' : 'HZ-DEST-BJ',
    })
  })
  log(
    `scans with wrk: ${CONNECTIONS} connections for ${MODE.scanSeconds} s (${bodies.length} fresh scans ready)`,
  )
  const before = countRows(dataDir, 'SELECT count(*) FROM scans')
  const cpuUsed = watchCpu(server.pid)
  const result = await runWrk(WRK, {
    url: server.url,
    token: checkpoint,
    bodies,
    workDir: work,
    connections: CONNECTIONS,
    seconds: MODE.scanSeconds,
  })
  // The load generator's share is wrk's own CPU, not this (waiting) process's.
  const split = cpuUsed(result.requests, result.seconds)
  const wrkUs = Math.round((result.loadGeneratorCpuMs * 1000) / Math.max(1, result.requests))
  const cpu = {
    ...split,
    load_generator_us: wrkUs,
    cores_busy:
      Math.round((split.cores_busy + result.loadGeneratorCpuMs / 1000 / result.seconds) * 100) /
      100,
  }
  const stored = countRows(dataDir, 'SELECT count(*) FROM scans') - before
  if (result.non2xx || result.errors || result.timeouts)
    problems.push(
      `${name} (wrk): ${result.non2xx} non-2xx, ${result.errors} connection errors, ${result.timeouts} timeouts${result.beyondPool ? ` (${result.beyondPool} requests beyond the pool of fresh passes)` : ''}`,
    )
  if (stored < result.ok)
    problems.push(`${name} (wrk): ${result.ok} answered 2xx but only ${stored} stored`)
  return { ...result, stored_rows: stored, cpu }
}

/**
 * Scan latency at a steady rate, alone and while one enterprise account keeps PNG.clients requests
 * for large QR PNGs of its passes in flight: each request a pass and a width (1024, 1023, …) not
 * asked before, so the image cache never answers and every one is drawn.
 */
async function pngPhase(p: Prepared) {
  const server = await start(SERVER_ENTRY, 'server-png', serverEnv(p.dataDir))
  const checkpoint = await login(server, CHECKPOINT)
  const firm = await login(server, FIRM)
  const listed = await api(server, '/api/v1/passes?status=active&limit=1000', { token: firm })
  const numbers = (listed.json() as { number: string }[]).map((x) => x.number)
  if (numbers.length === 0) throw new Error('the firm has no passes to draw')
  const half = Math.floor(Math.min(p.pngEntry.length, p.pngDest.length) / 2)
  const pace = { connections: PNG.scanConnections, rate: PNG.scanRate }
  log(`scans + PNGs: ${PNG.scanRate} scans/s alone for ${MODE.pngSeconds} s`)
  const alone = await scanLoad(
    server,
    checkpoint,
    p.pngEntry.slice(0, half),
    p.pngDest.slice(0, half),
    MODE.pngSeconds,
    pace,
  )

  log(
    `scans + PNGs: the same while ${PNG.clients} clients fetch ${PNG.maxWidth}-px PNGs of ${numbers.length} passes`,
  )
  // The PNG clients run in a process of their own (png-fetchers.mjs), as another device would.
  const fetchers = fork(join(ROOT, 'scripts/bench/png-fetchers.mjs'), [], {
    env: {
      ...process.env,
      PNG_FETCH: JSON.stringify({
        url: server.url,
        token: firm,
        numbers,
        clients: PNG.clients,
        maxWidth: PNG.maxWidth,
      }),
    },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  let fetched = ''
  fetchers.stdout!.on('data', (chunk: Buffer) => (fetched += chunk.toString('utf8')))
  const fetchersDone = new Promise<void>((resolve) => fetchers.once('exit', () => resolve()))
  await new Promise<void>((resolve) => fetchers.once('message', () => resolve()))
  const loaded = await scanLoad(
    server,
    checkpoint,
    p.pngEntry.slice(half),
    p.pngDest.slice(half),
    MODE.pngSeconds,
    pace,
  ).finally(() => fetchers.kill('SIGTERM'))
  await fetchersDone
  await stop(server)
  const png = JSON.parse(fetched || '{"requested":0,"statuses":{},"bytes":0,"seconds":0}') as {
    requested: number
    statuses: Record<string, number>
    bytes: number
    seconds: number
  }
  const pngOk = png.statuses['200'] ?? 0
  for (const [name, r] of [
    ['alone', alone],
    ['with PNGs', loaded],
  ] as const) {
    if (r.non2xx || r.errors || r.timeouts)
      problems.push(
        `scans + PNGs (${name}): ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts: ${JSON.stringify(r.answers)}`,
      )
  }
  if (pngOk !== png.requested)
    problems.push(
      `scans + PNGs: ${png.requested - pngOk} of ${png.requested} PNG requests not answered 200: ${JSON.stringify(png.statuses)}`,
    )
  const brief = (r: typeof alone) => ({
    sent: r.sent,
    ok: r.ok,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    seconds: r.seconds,
    rps: r.rps,
    latencyMs: r.latencyMs,
    steadyLatencyMs: r.steadyLatencyMs,
    answers: r.answers,
  })
  return {
    scan_rate: PNG.scanRate,
    scan_connections: PNG.scanConnections,
    alone: brief(alone),
    with_png: brief(loaded),
    png: {
      clients: PNG.clients,
      max_width: PNG.maxWidth,
      passes: numbers.length,
      requested: png.requested,
      ok: pngOk,
      per_s: pngOk / png.seconds,
      mean_bytes: pngOk ? Math.round(png.bytes / pngOk) : null,
      answers: png.statuses,
    },
  }
}

async function eventsAndIssuance(p: Prepared) {
  const server = await start(SERVER_ENTRY, 'server-events', serverEnv(p.dataDir), PROFILE)
  const checkpoint = await login(server, CHECKPOINT)
  const admin = await login(server, ADMIN)
  const firm = await login(server, FIRM)

  // Events: loops still just `arrived` (opened by the scan phase, or bulk-loaded two hours ago).
  const ro = new Sqlite(join(p.dataDir, 'tongxing.db'), { readonly: true })
  const loops = ro
    .prepare(
      `SELECT id, opened_at FROM loops WHERE closed_at IS NULL AND state = 'arrived' ORDER BY opened_at`,
    )
    .all() as { id: string; opened_at: string }[]
  ro.close()
  const perLoop = 5
  const loopsPerBatch = 100 / perLoop
  const batches = Math.floor(loops.length / loopsPerBatch)
  let nextBatch = 0
  const outcome = tally()
  const at = (opened: string, seconds: number) =>
    new Date(Date.parse(opened) + seconds * 1000).toISOString()
  // A warm-up on batches of their own, as for scans: one batch per connection (autocannon refuses
  // fewer requests than connections), answered in full before the measured run starts.
  const warmBatches = batches >= 10 * CONNECTIONS ? CONNECTIONS : 0
  const eventLoad = (
    amount: number,
    seconds: number,
    onResponse: (status: number, body: string) => void,
  ) =>
    runLoad({
      url: server.url,
      connections: Math.min(CONNECTIONS, amount),
      amount,
      seconds,
      method: 'POST',
      path: '/api/v1/events',
      headers: { authorization: `Bearer ${checkpoint}` },
      body: () => {
        const b = nextBatch++
        const list = []
        for (const loop of loops.slice(b * loopsPerBatch, (b + 1) * loopsPerBatch)) {
          const e = (kind: string, seconds: number, checkpoint_code: string, data?: object) => ({
            id: crypto.randomUUID(),
            loop_id: loop.id,
            kind,
            at: at(loop.opened_at, seconds),
            checkpoint_code,
            ...(data ? { data } : {}),
          })
          list.push(
            e('sampled', 60, 'HZ-G60-XS', { tube_code: `E${b}-${list.length}`, tests: ['pcr'] }),
            e('released', 120, 'HZ-G60-XS', { destination_code: 'HZ-DEST-BJ' }),
            e('destination_arrived', 1200, 'HZ-DEST-BJ'),
            e('pcr_result', 1500, 'HZ-G60-XS', { result: 'negative' }),
            e('departed', 1800, 'HZ-DEST-BJ'),
          )
        }
        return JSON.stringify({ events: list })
      },
      onResponse,
    })
  log(`events: warm-up, ${warmBatches} batches`)
  // Bounded by count, not time: no warm-up batch may still be in flight when the count below is taken.
  const warm = warmBatches ? await eventLoad(warmBatches, 120, () => {}) : { ok: 0 }
  const eventsBefore = countRows(p.dataDir, 'SELECT count(*) FROM loop_events')
  log(
    `events: ${batches - warmBatches} batches of 100 available (${loops.length} open loops), up to ${MODE.eventSeconds} s`,
  )
  const memory = server.watchMemory()
  const cpuUsed = watchCpu(server.pid)
  const events = await eventLoad(batches - warmBatches, MODE.eventSeconds, (status, body) => {
    if (status !== 200) return outcome.add(errorCode(status, body))
    for (const r of (
      JSON.parse(body) as { results: { status: string; flag?: string; error?: { code: string } }[] }
    ).results) {
      outcome.add(
        `${r.status}${r.flag ? ' flag:' + r.flag : ''}${r.error ? ' ' + r.error.code : ''}`,
      )
    }
  })
  const eventMemory = memory()
  const accepted = outcome.get()['accepted'] ?? 0
  const eventCpu = cpuUsed(accepted, events.seconds, 1)
  const storedEvents = countRows(p.dataDir, 'SELECT count(*) FROM loop_events') - eventsBefore
  const closedLoops = countRows(p.dataDir, `SELECT count(*) FROM loops WHERE state = 'closed'`)
  if (events.non2xx || events.errors)
    problems.push(
      `events: ${events.non2xx} non-2xx answers, ${events.errors} connection errors: ${JSON.stringify(outcome.get())}`,
    )
  const eventResult = {
    ...events,
    warmup: { batches: warm.ok },
    batch_size: 100,
    events_per_s: accepted / events.seconds,
    accepted,
    stored_events: storedEvents,
    loops_closed_total: closedLoops,
    outcomes: outcome.get(),
    memory: eventMemory,
    cpu: eventCpu,
  }

  // Issuance: an enterprise submits applications, a coordinator approves them concurrently and
  // fetches each pass's SVG QR code.
  const plates = plateSequence('C')
  const nowMs = Date.now()
  log(`issuance: submitting ${MODE.issue} applications`)
  const submitted = await pool(MODE.issue, 16, MODE.issueSeconds, async (i) => {
    const r = await api(server, '/api/v1/applications', {
      token: firm,
      body: {
        plate: plates(),
        crew: [{ name: '张师傅', id_number: residentId(1000 + i), phone: phone(5000 + i) }],
        cargo_category: 'daily_necessities',
        origin_region_code: '310115',
        destination: { station_code: 'HZ-XS-01' },
        route: 'G60 沪昆高速 → 萧山出口 → 萧山空港中转站',
        valid_from: new Date(nowMs).toISOString(),
        valid_until: new Date(nowMs + 7 * DAY).toISOString(),
      },
    })
    if (r.status !== 201) throw new Error(`submit: ${errorCode(r.status, r.text)}`)
    return r.json().id as string
  })
  const ids = submitted.results
  log(`issuance: approving ${ids.length} applications (16 at a time) and fetching each QR`)
  const issueMemory = server.watchMemory()
  let qrBytes = 0
  const approved = await pool(ids.length, 16, MODE.issueSeconds, async (i) => {
    const r = await api(server, `/api/v1/applications/${ids[i]}/approve`, {
      token: admin,
      method: 'POST',
    })
    if (r.status !== 201) throw new Error(`approve: ${errorCode(r.status, r.text)}`)
    const number = r.json().number as string
    const qr = await api(server, `/api/v1/passes/${number}/qr.svg`, { token: admin })
    if (qr.status !== 200 || !qr.text.startsWith('<svg'))
      throw new Error(`qr.svg: ${errorCode(qr.status, qr.text)}`)
    qrBytes += qr.text.length
    return number
  })
  const issueMem = issueMemory()
  const numbers = approved.results.map(Number).sort((a, b) => a - b)
  const gaps = numbers.length ? numbers.at(-1)! - numbers[0] + 1 - numbers.length : 0
  if (submitted.failures || approved.failures)
    problems.push(
      `issuance: ${submitted.failures} failed submits ${JSON.stringify(submitted.errors)}, ${approved.failures} failed approvals ${JSON.stringify(approved.errors)}`,
    )
  if (gaps) problems.push(`issuance: ${gaps} gaps in pass numbers`)
  await stop(server)
  const logText = readFileSync(join(work, 'server-events.log'), 'utf8')
  const errorLines = logText.split('\n').filter((l) => /error/i.test(l))
  if (errorLines.length)
    problems.push(
      `events/issuance: ${errorLines.length} error lines in the server log, e.g. ${errorLines[0].slice(0, 300)}`,
    )
  return {
    events: eventResult,
    issuance: {
      submitted: submitted.done,
      submits_per_s: submitted.perSecond,
      submit_latency_ms: submitted.latencyMs,
      approved: approved.done,
      approvals_per_s: approved.perSecond,
      approve_and_qr_latency_ms: approved.latencyMs,
      seconds: approved.seconds,
      mean_svg_bytes: approved.done ? Math.round(qrBytes / approved.done) : null,
      serial_gaps: gaps,
      failures: { submit: submitted.errors, approve: approved.errors },
      memory: issueMem,
    },
    server_error_lines: errorLines.length,
  }
}

// ---------------------------------------------------------------------------------------------
// 4. Growth: the same queries at 10k, 100k and 1M loops of history.

interface QueryTiming {
  path: string
  status: number
  bytes: number
  rows: number | null
  cold_ms: number
  median_ms: number
  min_ms: number
  max_ms: number
}

async function timeQuery(
  server: Server,
  token: string,
  path: string,
  runs: number,
): Promise<QueryTiming> {
  const once = async () => {
    const started = performance.now()
    const response = await fetch(server.url + path, {
      headers: { authorization: `Bearer ${token}` },
    })
    const text = await response.text()
    return { ms: performance.now() - started, status: response.status, text }
  }
  const cold = await once()
  const times: number[] = []
  let last = cold
  for (let i = 0; i < runs; i++) {
    last = await once()
    times.push(last.ms)
  }
  let rows: number | null = null
  try {
    const body = JSON.parse(last.text)
    rows = Array.isArray(body) ? body.length : (body.loops?.total ?? null)
  } catch {
    // not JSON
  }
  if (last.status !== 200)
    problems.push(`growth: GET ${path} answered ${last.status}: ${last.text.slice(0, 200)}`)
  times.sort((a, b) => a - b)
  return {
    path,
    status: last.status,
    bytes: last.text.length,
    rows,
    cold_ms: round(cold.ms, 2)!,
    median_ms: round(median(times), 2)!,
    min_ms: round(times[0], 2)!,
    max_ms: round(times.at(-1)!, 2)!,
  }
}

/** The SQL behind each timed endpoint, as the routes build it, with its plan and its time alone. */
function explainQueries(file: string, plate: string) {
  const sqlite = new Sqlite(file, { readonly: true })
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) })
  const to = new Date(startOfChinaDay(new Date()).getTime() + DAY)
  const from = new Date(to.getTime() - 31 * DAY)
  const report = reportQueries(kysely, 'demo-ent-1', from.toISOString(), to.toISOString())
  const queries: Record<string, { sql: string; parameters: readonly unknown[] }> = {
    loops_open_at_checkpoint: {
      sql: `select * from "loops" where "closed_at" is null and ("entry_checkpoint_code" = ? or "last_checkpoint_code" = ?) order by "opened_at" desc, "id" desc limit ?`,
      parameters: ['HZ-G60-XS', 'HZ-G60-XS', 101],
    },
    loops_by_plate: {
      sql: `select * from "loops" where "plate" = ? order by "opened_at" desc, "id" desc limit ?`,
      parameters: [plate, 101],
    },
    alerts_open: {
      sql: `select * from "alerts" where "status" = ? order by CASE status WHEN 'open' THEN 0 WHEN 'acknowledged' THEN 1 ELSE 2 END, CASE kind WHEN 'pcr_positive' THEN 0 WHEN 'antigen_positive' THEN 1 WHEN 'destination_overdue' THEN 2 ELSE 3 END, "opened_at" desc limit ?`,
      parameters: ['open', 200],
    },
    ...Object.fromEntries(
      Object.entries(report).map(([name, q]) => [`audit_${name}`, q.compile()]),
    ),
  }
  const out: Record<string, { sql: string; plan: string[]; median_ms: number; rows: number }> = {}
  for (const [name, q] of Object.entries(queries)) {
    const statement = sqlite.prepare(q.sql)
    const params = q.parameters as unknown[]
    const plan = (
      sqlite.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...params) as { detail: string }[]
    ).map((r) => r.detail)
    const times: number[] = []
    let rows = 0
    for (let i = 0; i < 5; i++) {
      const started = performance.now()
      rows = statement.all(...params).length
      times.push(performance.now() - started)
    }
    out[name] = { sql: q.sql, plan, median_ms: round(median(times), 2)!, rows }
  }
  sqlite.close()
  return out
}

interface GrowthStep {
  target: number
  generation: ReturnType<typeof generateGrowth> & {
    loops_per_s: number
    insert_seconds: number
    reindex_seconds: number
  }
  counts: Record<
    'loops' | 'loop_events' | 'alerts' | 'open_alerts' | 'open_loops' | 'passes',
    number
  >
  db_mb: number | null
  server_start_s: number | null
  queries: Record<string, QueryTiming>
  sql: ReturnType<typeof explainQueries>
  /** The pages' reads, through the repository functions the pages call (growth.ts). */
  pages: Awaited<ReturnType<typeof timePageQueries>>
}

async function growthPhase(secretsFrom: string): Promise<GrowthStep[]> {
  const dataDir = join(work, 'growth')
  mkdirSync(dataDir, { recursive: true })
  copyFileSync(join(secretsFrom, 'secrets.json'), join(dataDir, 'secrets.json'))
  const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8'))
  const config = loadConfig({ ...secrets, SEED_DEMO: '0' })
  const now = new Date()
  const file = join(dataDir, 'tongxing.db')
  const store = openNodeStore(file)
  migrate(rawSqlite(store))
  await seedDemo(store, config, now)
  const firms = [
    'demo-ent-1',
    'demo-ent-2',
    'demo-ent-3',
    ...(await insertEnterprises(rawSqlite(store), config.DATA_KEY, EXTRA_FIRMS, now.toISOString())),
  ]
  const crews = await sealedCrews(config.DATA_KEY, 24)
  const kid = (await loadSigningKeys(config.SIGNING_KEYS)).current.kid
  await store.close()
  const state = newGrowthState()
  const options = {
    now,
    loopsPerDay: 2_740,
    vehicles: 20_000,
    issuer: ISSUER,
    kid,
    crews,
    enterprises: firms,
    limits: LIMITS,
  }
  const steps: GrowthStep[] = []
  let plate: string | undefined
  for (const target of GROWTH) {
    log(`growth: generating history up to ${target.toLocaleString('en')} loops`)
    const db = new Sqlite(file)
    // The server is stopped: no WAL needed while loading (better-sqlite3 refuses journal_mode=OFF).
    db.pragma('journal_mode = DELETE')
    db.pragma('journal_mode = MEMORY')
    bulkPragmas(db)
    const { result: loaded, reindexSeconds } = withoutIndexes(
      db,
      ['loops', 'loop_events', 'alerts', 'scans', 'passes', 'applications'],
      () => generateGrowth(db, state, target, options),
    )
    const generated = {
      ...loaded,
      insert_seconds: loaded.seconds,
      reindex_seconds: reindexSeconds,
      seconds: loaded.seconds + reindexSeconds,
    }
    db.pragma('journal_mode = WAL')
    const counts = {
      loops: db.prepare('SELECT count(*) FROM loops').pluck().get() as number,
      loop_events: db.prepare('SELECT count(*) FROM loop_events').pluck().get() as number,
      alerts: db.prepare('SELECT count(*) FROM alerts').pluck().get() as number,
      open_alerts: db
        .prepare(`SELECT count(*) FROM alerts WHERE status = 'open'`)
        .pluck()
        .get() as number,
      open_loops: db
        .prepare('SELECT count(*) FROM loops WHERE closed_at IS NULL')
        .pluck()
        .get() as number,
      passes: db.prepare('SELECT count(*) FROM passes').pluck().get() as number,
    }
    db.close()
    const dbMb = statSync(file).size / 2 ** 20
    log(
      `growth: ${counts.loops} loops, ${counts.loop_events} events in ${generated.seconds.toFixed(1)} s (${Math.round(generated.seconds ? (target - (steps.at(-1)?.target ?? 0)) / generated.seconds : 0)} loops/s), ${dbMb.toFixed(0)} MB`,
    )

    // One vehicle of demo-ent-1 with the most loops so far, kept for the later steps.
    if (!plate) {
      const ro = new Sqlite(file, { readonly: true })
      plate = ro
        .prepare(
          `SELECT plate FROM loops WHERE enterprise_id = 'demo-ent-1' GROUP BY plate ORDER BY count(*) DESC, plate LIMIT 1`,
        )
        .pluck()
        .get() as string
      ro.close()
    }
    const server = await start(SERVER_ENTRY, `server-growth-${target}`, serverEnv(dataDir))
    const token = await login(server, ADMIN)
    const paths = {
      loops_open_at_checkpoint: '/api/v1/loops?state=open&checkpoint=HZ-G60-XS&limit=100',
      loops_by_plate: `/api/v1/loops?plate=${encodeURIComponent(plate)}&limit=100`,
      alerts_open: '/api/v1/alerts?status=open',
      audit_report: '/api/v1/enterprises/demo-ent-1/audit',
    }
    const queries: Record<string, QueryTiming> = {}
    for (const [name, path] of Object.entries(paths))
      queries[name] = await timeQuery(server, token, path, MODE.queryRuns)
    const startSeconds = server.startSeconds
    await stop(server)
    const sql = explainQueries(file, plate)
    const pages = await timePageQueries(file, {
      now,
      plate,
      checkpoint: 'HZ-G60-XS',
      enterpriseId: 'demo-ent-1',
      runs: MODE.queryRuns,
    })
    log(
      `growth ${target}, pages: ${Object.entries(pages)
        .map(([k, q]) => `${k} ${q.median_ms} ms`)
        .join(', ')}`,
    )
    for (const [name, q] of Object.entries(pages)) {
      if (q.median_ms > 50)
        problems.push(
          `growth ${target.toLocaleString('en')}: page ${q.page} reads take ${q.median_ms} ms (median); SQL: ${q.sql.map((s) => `${s.sql} — plan: ${s.plan.join(' / ')}`).join(' | ')}`,
        )
    }
    log(
      `growth ${target}: ${Object.entries(queries)
        .map(([k, q]) => `${k} ${q.median_ms} ms`)
        .join(', ')}`,
    )
    const previous = steps.find((x) => x.target * 10 === target)
    for (const [name, q] of Object.entries(queries)) {
      const ratio = previous ? q.median_ms / previous.queries[name].median_ms : NaN
      if (q.median_ms <= 50 && !(target >= 1_000_000 && ratio > 2)) continue
      const behind = Object.entries(sql).filter(
        ([k]) => k === name || (name === 'audit_report' && k.startsWith('audit_')),
      )
      const slowest = behind.sort((a, b) => b[1].median_ms - a[1].median_ms)[0]
      problems.push(
        `growth ${target.toLocaleString('en')}: GET ${q.path} median ${q.median_ms} ms` +
          (previous ? ` (${round(ratio, 2)}× ${previous.target.toLocaleString('en')})` : '') +
          (slowest
            ? `; slowest SQL behind it (${slowest[0]}, ${slowest[1].median_ms} ms alone, ${slowest[1].rows} rows): ${slowest[1].sql} — plan: ${slowest[1].plan.join(' / ')}`
            : ''),
      )
    }
    steps.push({
      target,
      generation: {
        ...generated,
        loops_per_s: Math.round((target - (steps.at(-1)?.target ?? 0)) / generated.seconds),
      },
      counts,
      db_mb: round(dbMb, 0),
      server_start_s: round(startSeconds, 2),
      queries,
      sql,
      pages,
    })
  }
  return steps
}

// ---------------------------------------------------------------------------------------------
// Report.

function environment() {
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim()
    } catch {
      return null
    }
  }
  return {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    commit: git(['rev-parse', '--short', 'HEAD']),
    dirty: (git(['status', '--porcelain', '--', 'src', 'schema']) ?? '').length > 0,
    mode: QUICK ? 'quick' : 'full',
    profiled: PROFILE,
    at: new Date().toISOString(),
  }
}

type Row = [section: string, metric: string, value: string, note: string]

function table(results: Results): string {
  const rows: Row[] = []
  const b = results.baselines
  const s = results.scans
  const fmt = (x: number | null | undefined, d = 0) =>
    x === null || x === undefined || !Number.isFinite(x)
      ? '—'
      : x.toLocaleString('en', { maximumFractionDigits: d, minimumFractionDigits: d })
  const mark = (ok: boolean) => (ok ? '✓' : '✗')
  // Latency without each connection's first answer, and the slowest first answer (see LoadResult).
  const steadyNote = (r: LoadResult) =>
    `without each connection's first answer p50 ${fmt(r.steadyLatencyMs.p50)} / p99 ${fmt(r.steadyLatencyMs.p99)} ms (slowest first answer ${fmt(r.firstAnswerMs.max)} ms)`
  rows.push([
    'baseline',
    'bare Hono GET, 64 conns (req/s)',
    fmt(b.hono.rps),
    `p50 ${fmt(b.hono.latencyMs.p50, 1)} ms, p99 ${fmt(b.hono.latencyMs.p99, 1)} ms; RSS ${fmt(b.hono.memory.startRssMb)} → ${fmt(b.hono.memory.peakRssMb)} MB (tsx loader included)`,
  ])
  rows.push([
    'baseline',
    'jose compactVerify, 1 core (verifies/s)',
    fmt(b.verify.jose_verifies_per_s),
    `node:crypto verify alone: ${fmt(b.verify.node_crypto_verifies_per_s)}/s`,
  ])
  const ratioVerify = s.rps / b.verify.jose_verifies_per_s
  rows.push([
    'scans',
    'POST /scans, 64 conns (req/s)',
    fmt(s.rps),
    `${fmt(s.ok)} ok in ${fmt(s.seconds, 1)} s; non-2xx ${s.non2xx}, errors ${s.errors}`,
  ])
  rows.push([
    'scans',
    'ratio to verify rate',
    fmt(ratioVerify, 3),
    `${mark(ratioVerify >= 0.6)} target ≥ 0.6`,
  ])
  rows.push(['scans', 'ratio to bare Hono', fmt(s.rps / b.hono.rps, 3), ''])
  rows.push([
    'scans',
    'latency p50 / p99 (ms)',
    `${fmt(s.latencyMs.p50, 1)} / ${fmt(s.latencyMs.p99, 1)}`,
    `${mark(s.latencyMs.p99 <= 25)} target p99 ≤ 25 ms; max ${fmt(s.latencyMs.max)} ms; ${steadyNote(s)}`,
  ])
  rows.push([
    'scans',
    'CPU per scan (µs): main / write thread / other / load gen',
    `${s.cpu.main_us} / ${s.cpu.write_thread_us} / ${s.cpu.other_threads_us} / ${s.cpu.load_generator_us}`,
    `${fmt(s.cpu.cores_busy, 2)} of ${results.environment.cores} cores busy; other = signature checks on libuv's pool, WAL checkpoints, GC`,
  ])
  if (s.wrk && 'rps' in s.wrk) {
    const w = s.wrk
    const ratio = w.rps / b.verify.jose_verifies_per_s
    rows.push([
      'scans (wrk)',
      'POST /scans, 64 conns, wrk (req/s)',
      fmt(w.rps),
      `${fmt(w.ok)} ok in ${fmt(w.seconds, 1)} s; non-2xx ${w.non2xx}, errors ${w.errors}; same server, after autocannon's run`,
    ])
    rows.push([
      'scans (wrk)',
      'ratio to verify rate',
      fmt(ratio, 3),
      `${mark(ratio >= 0.6)} target ≥ 0.6`,
    ])
    rows.push([
      'scans (wrk)',
      'latency p50 / p99 (ms)',
      `${fmt(w.latencyMs.p50, 1)} / ${fmt(w.latencyMs.p99, 1)}`,
      `${mark(w.latencyMs.p99 <= 25)} target p99 ≤ 25 ms; max ${fmt(w.latencyMs.max)} ms`,
    ])
    rows.push([
      'scans (wrk)',
      'CPU per scan (µs): main / write thread / other / load gen',
      `${w.cpu.main_us} / ${w.cpu.write_thread_us} / ${w.cpu.other_threads_us} / ${w.cpu.load_generator_us}`,
      `${fmt(w.cpu.cores_busy, 2)} of ${results.environment.cores} cores busy; load gen = wrk's own CPU`,
    ])
  } else {
    rows.push([
      'scans (wrk)',
      'POST /scans, 64 conns, wrk (req/s)',
      '—',
      s.wrk?.skipped ?? 'not run',
    ])
  }
  rows.push([
    'scans',
    'server RSS peak / VmHWM (MB)',
    `${fmt(s.memory.peakRssMb)} / ${fmt(s.memory.hwmMb)}`,
    `${mark(s.memory.hwmMb <= 200)} target ≤ 200 MB; ${fmt(s.memory.startRssMb)} MB before the load (after warm-up)`,
  ])
  const sp = results.scans_png
  rows.push([
    'scans + PNGs',
    `scan p50 / p99 at ${sp.scan_rate}/s alone (ms)`,
    `${fmt(sp.alone.latencyMs.p50, 1)} / ${fmt(sp.alone.latencyMs.p99, 1)}`,
    `${fmt(sp.alone.rps)} scans/s answered, ${sp.scan_connections} connections; max ${fmt(sp.alone.latencyMs.max)} ms`,
  ])
  rows.push([
    'scans + PNGs',
    `same, ${sp.png.clients} clients fetching PNGs (ms)`,
    `${fmt(sp.with_png.latencyMs.p50, 1)} / ${fmt(sp.with_png.latencyMs.p99, 1)}`,
    `${fmt(sp.with_png.rps)} scans/s answered; max ${fmt(sp.with_png.latencyMs.max)} ms; ${fmt(sp.png.per_s)} PNGs/s of ${sp.png.max_width} px and less (${fmt(sp.png.ok)} of ${fmt(sp.png.requested)} answered 200, ${fmt(sp.png.mean_bytes)} B each), none from the cache`,
  ])
  const st = results.scans_tmpfs
  if (st) {
    rows.push([
      'scans tmpfs',
      'POST /scans, DB on tmpfs (req/s)',
      fmt(st.rps),
      `ratio to verify ${fmt(st.rps / b.verify.jose_verifies_per_s, 3)}; p50 ${fmt(st.latencyMs.p50, 1)} ms, p99 ${fmt(st.latencyMs.p99, 1)} ms`,
    ])
  }
  const loads = results.environment.load_average_before
  rows.push([
    'machine',
    'load avg before verify/scans/events/growth',
    Object.values(loads)
      .map((l) => l.toFixed(2))
      .join(' / '),
    `${results.environment.cores} cores; above ~1 means other processes competed for the CPU`,
  ])
  const d = results.environment.disk.work_dir
  rows.push([
    'disk',
    'fdatasync on the data disk (/s)',
    fmt(d.fdatasync_per_s),
    `${fmt(d.ms_each ?? NaN, 3)} ms each: what every durable commit (synchronous = FULL) waits for`,
  ])
  rows.push([
    'scans',
    'committed rows / 200 answers',
    `${fmt(s.stored_rows)} / ${fmt(s.ok)}`,
    s.stored_rows >= s.ok ? 'every answered scan stored' : 'MISSING ROWS',
  ])
  const e = results.events
  rows.push([
    'events',
    'POST /events, batches of 100 (events/s)',
    fmt(e.events_per_s),
    `${mark(e.events_per_s >= 20_000)} target ≥ 20,000; ${fmt(e.accepted)} accepted in ${fmt(e.seconds, 1)} s`,
  ])
  rows.push([
    'events',
    'batch latency p50 / p99 (ms)',
    `${fmt(e.latencyMs.p50)} / ${fmt(e.latencyMs.p99)}`,
    `${fmt(e.rps, 1)} batches/s; ${steadyNote(e)}; RSS peak ${fmt(e.memory.peakRssMb)} MB; after ${e.warmup.batches} warm-up batches`,
  ])
  rows.push([
    'events',
    'CPU per event (µs): main / write thread / other / load gen',
    `${e.cpu.main_us} / ${e.cpu.write_thread_us} / ${e.cpu.other_threads_us} / ${e.cpu.load_generator_us}`,
    `${fmt(e.cpu.cores_busy, 2)} of ${results.environment.cores} cores busy`,
  ])
  const i = results.issuance
  rows.push([
    'issuance',
    'approve + GET qr.svg, 16 at a time (/s)',
    fmt(i.approvals_per_s, 1),
    `${i.approved} approved; p50 ${fmt(i.approve_and_qr_latency_ms.p50)} ms, p99 ${fmt(i.approve_and_qr_latency_ms.p99)} ms`,
  ])
  rows.push([
    'issuance',
    'POST /applications, 16 at a time (/s)',
    fmt(i.submits_per_s, 1),
    `p50 ${fmt(i.submit_latency_ms.p50)} ms, p99 ${fmt(i.submit_latency_ms.p99)} ms`,
  ])
  const steps = results.growth
  const hundredK = steps.find((g) => g.target === 100_000)
  for (const g of steps) {
    rows.push([
      `growth ${fmt(g.target)}`,
      'bulk load (s)',
      `${fmt(g.generation.seconds, 1)}`,
      `${fmt(g.generation.loops_per_s)} loops/s (insert ${fmt(g.generation.insert_seconds, 1)} s + indexes ${fmt(g.generation.reindex_seconds, 1)} s); ${fmt(g.counts.loop_events)} events, ${fmt(g.counts.open_alerts)} open alerts, ${fmt(g.db_mb)} MB`,
    ])
    for (const [name, q] of Object.entries(g.queries)) {
      let note = `cold ${fmt(q.cold_ms, 1)} ms, ${q.rows ?? '?'} rows, ${fmt(q.bytes / 1024)} KB`
      if (g.target >= 1_000_000) {
        const base = hundredK?.queries[name]
        const slower = base ? q.median_ms / base.median_ms : NaN
        note += `; ${mark(q.median_ms <= 50 && !(slower > 2))} ≤ 50 ms and ≤ 2× 100k (${fmt(slower, 2)}×)`
      }
      rows.push([`growth ${fmt(g.target)}`, `${name} median (ms)`, fmt(q.median_ms, 1), note])
    }
    for (const [name, q] of Object.entries(g.pages)) {
      const base = hundredK?.pages[name]
      const slower =
        g.target >= 1_000_000 && base ? `; ${fmt(q.median_ms / base.median_ms, 2)}× 100k` : ''
      rows.push([
        `growth ${fmt(g.target)}`,
        `${name} median (ms)`,
        fmt(q.median_ms, 1),
        `${q.page} reads: cold ${fmt(q.cold_ms, 1)} ms, ${q.rows} rows, ${q.sql.length} statements${slower}`,
      ])
    }
  }
  const widths = [0, 1, 2].map((c) =>
    Math.max(...rows.map((r) => [...r[c]].length), ['section', 'metric', 'value'][c].length),
  )
  const pad = (text: string, w: number, right = false) =>
    right
      ? text.padStart(w + text.length - [...text].length)
      : text.padEnd(w + text.length - [...text].length)
  const lines = [
    `${pad('section', widths[0])} | ${pad('metric', widths[1])} | ${pad('value', widths[2], true)} | note`,
  ]
  lines.push(lines[0].replace(/[^|]/g, '-'))
  for (const r of rows)
    lines.push(
      `${pad(r[0], widths[0])} | ${pad(r[1], widths[1])} | ${pad(r[2], widths[2], true)} | ${r[3]}`,
    )
  return lines.join('\n')
}

interface Results {
  environment: ReturnType<typeof environment> & {
    disk: Record<string, { fdatasync_per_s: number; ms_each: number | null }>
    load_average_before: Record<string, number>
  }
  setup: Record<string, number>
  baselines: {
    hono: LoadResult & { memory: { startRssMb: number; peakRssMb: number; hwmMb: number } }
    verify: { jose_verifies_per_s: number; node_crypto_verifies_per_s: number }
  }
  scans: Awaited<ReturnType<typeof scanPhase>>
  scans_tmpfs: Awaited<ReturnType<typeof scanPhase>> | null
  scans_png: Awaited<ReturnType<typeof pngPhase>>
  events: Awaited<ReturnType<typeof eventsAndIssuance>>['events']
  issuance: Awaited<ReturnType<typeof eventsAndIssuance>>['issuance']
  growth: Awaited<ReturnType<typeof growthPhase>>
  profiles: Record<string, ProfileSummary>
  problems: string[]
  seconds: number
}

async function main() {
  log(`mode ${QUICK ? 'quick' : 'full'}${PROFILE ? ' with CPU profiles' : ''}; working in ${work}`)
  execFileSync('npm', ['run', '--silent', 'build:ui'], { cwd: ROOT, stdio: 'ignore' })
  execFileSync('npm', ['run', '--silent', 'build:server'], { cwd: ROOT, stdio: 'ignore' })
  const prepared = await prepareMain()
  const disk = { work_dir: fsyncRate(work), ...(SHM ? { tmpfs: fsyncRate(SHM) } : {}) }
  log(
    `fdatasync: ${disk.work_dir.fdatasync_per_s}/s on ${work}${disk.tmpfs ? `, ${disk.tmpfs.fdatasync_per_s}/s on ${SHM}` : ''}`,
  )
  const shmDir = SHM ? join(SHM, 'main') : null
  if (shmDir) {
    mkdirSync(shmDir)
    for (const f of ['tongxing.db', 'secrets.json'])
      copyFileSync(join(prepared.dataDir, f), join(shmDir, f))
  }
  noteLoad('verify')
  log('baseline: jose Ed25519 verify on one core')
  const verify = await verifyBaseline(prepared.config, prepared.verifyTokens)
  log(`baseline: ${Math.round(verify.jose_verifies_per_s)} verifies/s; bare Hono next`)
  const hono = await honoBaseline()
  log(`baseline: bare Hono ${Math.round(hono.rps)} req/s`)
  noteLoad('scans')
  const scans = await scanPhase(prepared, prepared.dataDir, 'server-scans', PROFILE, true)
  log(
    `scans: ${Math.round(scans.rps)} req/s, p99 ${scans.latencyMs.p99} ms, RSS peak ${Math.round(scans.memory.peakRssMb)} MB`,
  )
  if (scans.wrk && 'rps' in scans.wrk)
    log(`scans with wrk: ${Math.round(scans.wrk.rps)} req/s, p99 ${scans.wrk.latencyMs.p99} ms`)
  const profiles: Record<string, ProfileSummary> = {}
  if (PROFILE) profiles.scans = summariseProfile(join(profileRoot, 'server-scans'))
  let scansTmpfs: Awaited<ReturnType<typeof scanPhase>> | null = null
  if (shmDir) {
    log('scans again with DATA_DIR on tmpfs (fsync is free there)')
    scansTmpfs = await scanPhase(prepared, shmDir, 'server-scans-tmpfs', false)
    log(`scans on tmpfs: ${Math.round(scansTmpfs.rps)} req/s, p99 ${scansTmpfs.latencyMs.p99} ms`)
    rmSync(shmDir, { recursive: true, force: true })
  }
  noteLoad('scans + PNGs')
  const scansPng = await pngPhase(prepared)
  log(
    `scans + PNGs: p99 ${scansPng.alone.latencyMs.p99} ms alone, ${scansPng.with_png.latencyMs.p99} ms with ${Math.round(scansPng.png.per_s)} PNGs/s`,
  )
  noteLoad('events')
  const later = await eventsAndIssuance(prepared)
  log(
    `events: ${Math.round(later.events.events_per_s)} events/s; issuance: ${later.issuance.approvals_per_s.toFixed(1)} approvals/s`,
  )
  if (PROFILE) profiles.events_and_issuance = summariseProfile(join(profileRoot, 'server-events'))
  noteLoad('growth')
  const growth = await growthPhase(prepared.dataDir)

  const results: Results = {
    environment: { ...environment(), disk, load_average_before: loadAverages },
    setup: prepared.timings,
    baselines: { hono, verify },
    scans,
    scans_tmpfs: scansTmpfs,
    scans_png: scansPng,
    events: later.events,
    issuance: later.issuance,
    growth,
    profiles,
    problems,
    seconds: round((performance.now() - t0) / 1000, 1)!,
  }
  const busy = Object.entries(loadAverages).filter(([, l]) => l > 1.5)
  if (busy.length)
    problems.push(
      `the machine was busy with other work (1-min load average ${busy.map(([p, l]) => `${l} before ${p}`).join(', ')} on ${cpus().length} cores): absolute figures are low and noisy; compare ratios, and rerun on a quiet machine`,
    )
  const text = table(results)
  console.log('\n' + text)
  for (const [name, summary] of Object.entries(profiles))
    console.log(`\n=== CPU profile: ${name} ===\n${formatSummary(summary)}`)
  if (problems.length) console.log('\nproblems:\n' + problems.map((p) => `  - ${p}`).join('\n'))
  writeFileSync(
    join(resultsDir, 'latest.json'),
    JSON.stringify({ ...results, table: text.split('\n') }, null, 2) + '\n',
  )
  log(`wrote bench-results/latest.json (${results.seconds} s in all)`)
}

try {
  await main()
} finally {
  cleanUp()
}
