// Recomputes the audit log's hash chain in DATA_DIR's database and checks its signed seals.
// Exit code 0 when intact, 1 with the first bad entry otherwise.
import { createHash } from 'node:crypto'
import { join, resolve } from 'node:path'
import { loadConfig } from '../src/config.ts'
import { openNodeStore, rawSqlite } from '../src/db/node-store.ts'
import { migrate } from '../src/db/migrator.ts'
import { sealAudit, verifyAudit } from '../src/audit/chain.ts'
import { loadOrCreateSecrets } from '../src/node-secrets.ts'

const dataDir = resolve(process.env.DATA_DIR ?? 'data')
const config = loadConfig({ ...(await loadOrCreateSecrets(dataDir)), ...process.env })
const store = openNodeStore(join(dataDir, 'tongxing.db'))
migrate(rawSqlite(store))
const deps = { store, config, clock: () => new Date(), sha256Hex: (text: string) => createHash('sha256').update(text).digest('hex') }
if (process.argv.includes('--seal')) console.log(`sealed ${await sealAudit(deps)} new entries`)
const report = await verifyAudit(deps)
console.log(JSON.stringify(report, null, 2))
await store.close()
process.exit(report.ok ? 0 : 1)
