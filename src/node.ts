import { serve } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createApp } from './app.ts'
import { loadConfig } from './config.ts'
import { openNodeStore, rawSqlite } from './db/node-store.ts'
import { migrate } from './db/migrator.ts'
import { DEMO_LOGINS, bootstrapAdmin, seedDemo } from './demo/seed.ts'
import { loadOrCreateSecrets } from './node-secrets.ts'
import { sweepLoops } from './alerts/sweep.ts'
import { sealAudit } from './audit/chain.ts'
import { pruneLoginFailures } from './auth/sign-in.ts'

// Node entry: an embedded SQLite file under DATA_DIR, secrets beside it, migrations on start.
const dataDir = resolve(process.env.DATA_DIR ?? 'data')
mkdirSync(dataDir, { recursive: true })
const secrets = await loadOrCreateSecrets(dataDir)
const config = loadConfig({ ...secrets, ...process.env })
const store = openNodeStore(join(dataDir, 'tongxing.db'))
const applied = migrate(rawSqlite(store))
if (applied.length > 0) console.log(`migrations applied: ${applied.join(', ')}`)

const clock = () => new Date()
const admin = await bootstrapAdmin(store, config, clock())
if (admin) console.log(`admin account "${admin}" created`)
if (config.SEED_DEMO && (await seedDemo(store, config, clock()))) {
  console.log('demo data seeded; demo logins (change or disable them before real use):')
  for (const login of DEMO_LOGINS) console.log(`  ${login.role.padEnd(12)} ${login.username} / ${login.password}`)
}

const deps = { store, config, clock, clientAddress: (c: Parameters<typeof getConnInfo>[0]) => getConnInfo(c).remote.address ?? 'unknown' }
const app = createApp(deps)

// Background work, each on its own timer: overdue alerts open by themselves (also whenever a
// loop is read), and new audit entries are chained and the head signed within seconds.
const logFailure = (job: string) => (error: unknown) => console.error(JSON.stringify({ level: 'error', job, error: String(error) }))
const timers = [
  setInterval(() => sweepLoops(deps).then(() => pruneLoginFailures(deps)).catch(logFailure('sweep')), Number(process.env.SWEEP_INTERVAL_MS ?? 60_000)),
  setInterval(() => sealAudit(deps).catch(logFailure('audit-seal')), Number(process.env.SEAL_INTERVAL_MS ?? 5_000)),
]
for (const timer of timers) timer.unref()
const port = Number(process.env.PORT ?? 8787)
const hostname = process.env.HOST ?? '127.0.0.1'
const server = serve({ fetch: app.fetch, port, hostname }, (info) => {
  console.log(`tongxing listening on http://${hostname}:${info.port} (data in ${dataDir})`)
})

async function shutdown() {
  for (const timer of timers) clearInterval(timer)
  server.close()
  // Seal what was written last, so a clean stop leaves nothing unsealed.
  await sealAudit(deps).catch(logFailure('audit-seal'))
  await store.close()
  process.exit(0)
}
process.on('SIGINT', () => void shutdown())
process.on('SIGTERM', () => void shutdown())
