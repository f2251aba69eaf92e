// Seeds the demo data into DATA_DIR's database if it has no accounts yet (as a first start does).
import { join, resolve } from 'node:path'
import { loadConfig } from '../src/config.ts'
import { openNodeStore, rawSqlite } from '../src/db/node-store.ts'
import { migrate } from '../src/db/migrator.ts'
import { DEMO_LOGINS, seedDemo } from '../src/demo/seed.ts'
import { loadOrCreateSecrets } from '../src/node-secrets.ts'

const dataDir = resolve(process.env.DATA_DIR ?? 'data')
const config = loadConfig({ ...(await loadOrCreateSecrets(dataDir)), ...process.env })
const store = openNodeStore(join(dataDir, 'tongxing.db'))
migrate(rawSqlite(store))
if (await seedDemo(store, config, new Date())) {
  for (const login of DEMO_LOGINS)
    console.log(`${login.role.padEnd(12)} ${login.username} / ${login.password}`)
} else {
  console.log('the database already has accounts; nothing seeded')
}
await store.close()
