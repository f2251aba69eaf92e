// Recomputes the audit log's hash chain in DATA_DIR's database and checks it against its signed
// seals and against the signed heads in DATA_DIR/audit-anchor.jsonl (kept outside the database).
//
//   npm run audit:verify                        check; exit 0 intact, 1 with the first bad entry,
//                                               2 intact but entries left unsealed too long
//   npm run audit:verify -- --seal              seal what is unsealed first, and anchor the head
//                                               (server stopped)
//   npm run audit:verify -- --accept-restore    after restoring a backup (into DATA_DIR or a fresh
//                                               directory) or losing the anchor: keep the old
//                                               anchor aside and start a new one at the
//                                               database's newest seal
import { createHash } from 'node:crypto'
import { existsSync, renameSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { loadConfig } from '../src/config.ts'
import { openNodeStore, rawSqlite } from '../src/db/node-store.ts'
import { migrate } from '../src/db/migrator.ts'
import { restartAnchor, sealAudit, sealingStopped, verifyAudit } from '../src/audit/chain.ts'
import { fileAnchor } from '../src/audit/anchor-file.ts'
import { loadOrCreateSecrets } from '../src/node-secrets.ts'

const dataDir = resolve(process.env.DATA_DIR ?? 'data')
const anchorFile = join(dataDir, 'audit-anchor.jsonl')
const config = loadConfig({ ...(await loadOrCreateSecrets(dataDir)), ...process.env })
const store = openNodeStore(join(dataDir, 'tongxing.db'))
migrate(rawSqlite(store))
const deps = {
  store,
  config,
  clock: () => new Date(),
  sha256Hex: (text: string) => createHash('sha256').update(text).digest('hex'),
  auditAnchor: fileAnchor(anchorFile),
}

if (process.argv.includes('--accept-restore')) {
  // A restored backup is older than the anchor beside it (`truncated`), or has none beside it
  // (`anchor_missing`). The operator accepts that; the old anchor is kept as the record of it.
  const before = await verifyAudit(deps)
  if (existsSync(anchorFile)) {
    const kept = join(
      dataDir,
      `audit-anchor.${new Date().toISOString().replace(/[-:.]/g, '')}.before-restore.jsonl`,
    )
    renameSync(anchorFile, kept)
    console.log(`anchor kept as ${kept}`)
  }
  const head = await restartAnchor(deps)
  console.log(
    `new anchor started${head ? ` at seal ${head.seq}` : ''}; before, verify reported: ${JSON.stringify(before)}`,
  )
}
if (process.argv.includes('--seal')) {
  // The server is stopped: its head goes to the anchor now, not an anchor interval later.
  console.log(`sealed ${await sealAudit(deps, { anchorNow: true })} new entries`)
  const stopped = sealingStopped(store)
  if (stopped) console.log(`sealing refused: ${JSON.stringify(stopped)}`)
}
const report = await verifyAudit(deps)
console.log(JSON.stringify(report, null, 2))
await store.close()
process.exit(!report.ok ? 1 : report.unsealed_overdue.count > 0 ? 2 : 0)
