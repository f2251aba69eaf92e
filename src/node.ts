import { serve } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import cluster from 'node:cluster'
import { createHash } from 'node:crypto'
import { join, resolve } from 'node:path'
import { createApp } from './app.ts'
import { loadConfig } from './config.ts'
import { openNodeStore, rawSqlite, restrictDataDir } from './db/node-store.ts'
import { migrate } from './db/migrator.ts'
import { seedOnStart } from './demo/seed.ts'
import { loadOrCreateSecrets } from './node-secrets.ts'
import { sweepLoops } from './loops/sweep-loops.ts'
import { resealPersonalData } from './personal-data/reseal.ts'
import { purgePersonalData } from './personal-data/purge.ts'
import { sealAudit } from './audit/chain.ts'
import { fileAnchor } from './audit/anchor-file.ts'
import { nodeEd25519Check } from './trust/node-signature-check.ts'
import { pruneLoginFailures } from './auth/sign-in.ts'
import { logRefreshFailures, refreshTrustedIssuers } from './trust/refresh-issuers.ts'
import type { Deps } from './app-env.ts'

// Node entry: an embedded SQLite file under DATA_DIR, secrets beside it, migrations on start.
// One process already keeps two cores busy: the app's JavaScript on the main thread, SQLite writes
// and their disk flushes on the write thread (see db/node-store.ts), signature checks in libuv's
// pool. WORKERS=N (N > 1) runs N server processes on the same port (node:cluster) over the same
// database, for machines with more cores; SQLite serialises the writes of all of them (on 2 cores
// it measured slower than one process: see README, Performance). The primary prepares the
// database and runs the background jobs.
const dataDir = resolve(process.env.DATA_DIR ?? 'data')
const workers = Math.max(1, Number(process.env.WORKERS ?? 1))
const isWorker = workers > 1 && cluster.isWorker
restrictDataDir(dataDir)
const secrets = await loadOrCreateSecrets(dataDir)
const config = loadConfig({ ...secrets, ...process.env })
const store = openNodeStore(join(dataDir, 'tongxing.db'))
const clock = () => new Date()
const deps: Deps = {
  store,
  config,
  clock,
  clientAddress: (c) => getConnInfo(c).remote.address ?? 'unknown',
  sha256Hex: (text) => createHash('sha256').update(text).digest('hex'),
  verifyEd25519: nodeEd25519Check,
  // Signed audit heads also go to a file beside the database (see audit/anchor.ts).
  auditAnchor: fileAnchor(join(dataDir, 'audit-anchor.jsonl')),
}
const logFailure = (job: string) => (error: unknown) =>
  console.error(JSON.stringify({ level: 'error', job, error: String(error) }))

if (!isWorker) {
  const applied = migrate(rawSqlite(store))
  if (applied.length > 0) console.log(`migrations applied: ${applied.join(', ')}`)
  // On an empty database: the ADMIN_USERNAME account and (SEED_DEMO) the demo data, both.
  const seeded = await seedOnStart(store, config, clock())
  if (seeded.admin) console.log(`admin account "${seeded.admin}" created`)
  if (seeded.demoLogins.length > 0) {
    console.log('demo data seeded; demo logins (change or disable them before real use):')
    for (const login of seeded.demoLogins)
      console.log(`  ${login.role.padEnd(12)} ${login.username} / ${login.password}`)
  }
  // After a crash or a restore from backup: finish the loop projections left dirty and open the
  // alerts that fell due while the service was down, before the first request, not a minute later
  // (up to 10,000 loops; the timer takes any beyond, and any that keep failing).
  for (let round = 0; round < 20; round++) {
    const swept = await sweepLoops(deps, 500).catch(logFailure('sweep'))
    if (swept === undefined || swept < 500) break
  }
  // Crews stored before names were sealed (migration 0027) are sealed in place, in the
  // background: the service answers meanwhile (pages read either shape).
  resealPersonalData(deps, { scope: 'legacy' })
    .then((counts) => {
      const total = counts.applications + counts.arrival_reports + counts.vehicles
      if (total > 0) console.log(`crew names sealed in place: ${JSON.stringify(counts)}`)
    })
    .catch(logFailure('reseal'))
}

const port = Number(process.env.PORT ?? 8787)
const hostname = process.env.HOST ?? '127.0.0.1'
let stopping = false
const timers: NodeJS.Timeout[] = []
let server: ReturnType<typeof serve> | undefined

if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork()
  // A worker that dies is replaced; its acknowledged writes are already committed.
  cluster.on('exit', (worker, code, signal) => {
    if (!stopping) {
      console.error(JSON.stringify({ level: 'error', worker: worker.process.pid, code, signal }))
      cluster.fork()
    }
  })
  console.log(
    `tongxing listening on http://${hostname}:${port} with ${workers} worker processes (data in ${dataDir})`,
  )
} else {
  server = serve({ fetch: createApp(deps).fetch, port, hostname }, (info) => {
    if (!isWorker)
      console.log(`tongxing listening on http://${hostname}:${info.port} (data in ${dataDir})`)
  })
}

if (!isWorker) {
  // Background work, each on its own timer: overdue alerts open by themselves (also whenever a
  // loop is read), and new audit entries are chained and the head signed within seconds.
  timers.push(
    setInterval(
      () =>
        sweepLoops(deps)
          .then(() => pruneLoginFailures(deps))
          .catch(logFailure('sweep')),
      Number(process.env.SWEEP_INTERVAL_MS ?? 60_000),
    ),
    setInterval(
      () => sealAudit(deps).catch(logFailure('audit-seal')),
      Number(process.env.SEAL_INTERVAL_MS ?? 1_000),
    ),
    // Other issuers' JWKS and status lists (README, Nationwide use): once now, so a restart does
    // not leave revocations a minute old, then every TRUST_REFRESH_SECONDS.
    setInterval(refreshTrust, config.TRUST_REFRESH_SECONDS * 1000),
    // Retention (personal-data/purge.ts): once now, then hourly. A run with nothing due only reads
    // the held rows older than the cutoff, so hourly costs little and a service restarted every
    // day still purges; data is gone within the hour it falls due, not the day.
    setInterval(purgeDue, Number(process.env.RETENTION_INTERVAL_MS ?? 3_600_000)),
  )
  for (const timer of timers) timer.unref()
  refreshTrust()
  purgeDue()
}

let purging = false
/** One retention purge, never two at once; what it erased is logged (counts only). */
function purgeDue() {
  if (purging) return
  purging = true
  purgePersonalData(deps)
    .then((purged) => {
      if (purged.batches > 0) console.log(`personal data purged: ${JSON.stringify(purged)}`)
    })
    .catch(logFailure('retention-purge'))
    .finally(() => (purging = false))
}

/** One refresh of the trust list; an issuer that failed is logged (its row says why, too). */
function refreshTrust() {
  refreshTrustedIssuers(deps).then(logRefreshFailures).catch(logFailure('trust-refresh'))
}

async function shutdown() {
  stopping = true
  for (const timer of timers) clearInterval(timer)
  server?.close()
  if (cluster.isPrimary)
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM')
  // Seal what was written last and anchor its head, so a clean stop leaves nothing unsealed.
  if (!isWorker) await sealAudit(deps, { anchorNow: true }).catch(logFailure('audit-seal'))
  await store.close()
  process.exit(0)
}
process.on('SIGINT', () => void shutdown())
process.on('SIGTERM', () => void shutdown())
