// Signing keys on Node: `npm run keys:generate` makes DATA_DIR/secrets.json if there is none
// (with --print, prints fresh secrets for `wrangler secret put` instead); `npm run keys:rotate`
// adds a new Ed25519 key that signs from the next start on, keeping the old ones so their passes
// still verify; `npm run keys:prune` drops old keys no unexpired pass was signed with.
import Sqlite from 'better-sqlite3'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { generateSecrets, generateSigningKey } from '../src/keys/generate.ts'
import { loadOrCreateSecrets, saveSecrets } from '../src/node-secrets.ts'

const dataDir = resolve(process.env.DATA_DIR ?? 'data')
const command = process.argv[2]

if (command === 'generate') {
  if (process.argv.includes('--print')) {
    console.log(JSON.stringify(await generateSecrets(), null, 2))
  } else {
    const existed = existsSync(join(dataDir, 'secrets.json'))
    await loadOrCreateSecrets(dataDir)
    console.log(
      existed
        ? `${dataDir}/secrets.json already exists; left as it is`
        : `wrote ${dataDir}/secrets.json`,
    )
  }
} else if (command === 'rotate') {
  const secrets = await loadOrCreateSecrets(dataDir)
  const keys = JSON.parse(secrets.SIGNING_KEYS) as { kid: string }[]
  const key = await generateSigningKey()
  keys.push(key)
  saveSecrets(dataDir, { ...secrets, SIGNING_KEYS: JSON.stringify(keys) })
  console.log(
    `added signing key ${key.kid}; it signs after the next restart. Keys: ${keys.map((k) => k.kid).join(', ')}`,
  )
} else if (command === 'prune') {
  const secrets = await loadOrCreateSecrets(dataDir)
  const keys = JSON.parse(secrets.SIGNING_KEYS) as { kid: string }[]
  const db = new Sqlite(join(dataDir, 'tongxing.db'), { readonly: true })
  const now = new Date().toISOString()
  const inUse = new Set(
    db
      .prepare('SELECT DISTINCT kid FROM passes WHERE valid_until >= ?')
      .pluck()
      .all(now) as string[],
  )
  const current = keys[keys.length - 1]
  const kept = keys.filter((k) => k === current || inUse.has(k.kid))
  saveSecrets(dataDir, { ...secrets, SIGNING_KEYS: JSON.stringify(kept) })
  console.log(`kept ${kept.map((k) => k.kid).join(', ')}; removed ${keys.length - kept.length}`)
} else {
  console.error('usage: keys.ts generate [--print] | rotate | prune')
  process.exit(2)
}
