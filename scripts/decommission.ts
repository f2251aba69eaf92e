// The end of the service (issue 21), on Node: revokes every valid pass with the reason, signs the
// final status list, erases all personal data, seals the audit log and keeps a report. Stop the
// server first (its sealer would race this one's for the anchor file). Workers: the admin endpoint
// POST /api/v1/admin/decommission does the same.
//
//   npm run decommission -- --reason "<why, 10+ characters>" --dry-run
//                               counts what it would do; changes nothing
//   npm run decommission -- --reason "<why>"
//                               shows the counts, asks you to type DECOMMISSION, then does it
//   npm run decommission -- --reason "<why>" --yes
//                               without asking
//   --report <file>             where the report goes (default DATA_DIR/decommission-report.json);
//                               the final status list JWT goes beside it, decommission-status-list.jwt
//
// Exit codes: 0 done (or rehearsed), 1 not confirmed, 2 bad arguments or no database, 3 already
// decommissioned, 4 done but the final audit seal does not cover the last entry.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline/promises'
import { userInfo } from 'node:os'
import { loadConfig } from '../src/config.ts'
import { openNodeStore, rawSqlite } from '../src/db/node-store.ts'
import { migrate } from '../src/db/migrator.ts'
import { fileAnchor } from '../src/audit/anchor-file.ts'
import { ApiError } from '../src/http/errors.ts'
import { statusListAddress } from '../src/trust/own-status-list.ts'
import { decommission, decommissionCounts } from '../src/decommission/decommission.ts'
import type { Deps } from '../src/app-env.ts'

const CONFIRMATION = 'DECOMMISSION'
const args = process.argv.slice(2)
const flag = (name: string) => args.includes(name)
function option(name: string): string | undefined {
  const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`))
  if (i < 0) return undefined
  return args[i].includes('=') ? args[i].slice(name.length + 1) : args[i + 1]
}
function fail(code: number, message: string): never {
  console.error(message)
  process.exit(code)
}

const dryRun = flag('--dry-run')
const reason = option('--reason')?.trim() ?? ''
if (reason.length < 10) fail(2, 'give --reason "<why the service ends, 10 characters or more>"')

const dataDir = resolve(process.env.DATA_DIR ?? 'data')
const dbFile = join(dataDir, 'tongxing.db')
if (!existsSync(dbFile)) fail(2, `no database at ${dbFile} (set DATA_DIR)`)
const secretsFile = join(dataDir, 'secrets.json')
const secrets = existsSync(secretsFile) ? JSON.parse(readFileSync(secretsFile, 'utf8')) : {}
const config = loadConfig({ ...secrets, ...process.env })
const store = openNodeStore(dbFile)
migrate(rawSqlite(store))
const deps: Deps = {
  store,
  config,
  clock: () => new Date(),
  sha256Hex: (text) => createHash('sha256').update(text).digest('hex'),
  auditAnchor: fileAnchor(join(dataDir, 'audit-anchor.jsonl')),
}
const origin = `http://${process.env.HOST ?? '127.0.0.1'}:${process.env.PORT ?? 8787}/`
const request = {
  actor: `script:${userInfo().username}`,
  reason,
  statusListAddress: statusListAddress(deps, origin),
}

async function confirmed(): Promise<boolean> {
  const counts = await decommissionCounts(store.db, deps.clock())
  console.log(`This will end the service for good:\n${JSON.stringify(counts, null, 2)}`)
  const prompt = createInterface({ input: process.stdin, output: process.stdout })
  try {
    // Input that ends before a line (no terminal, nothing piped) is a no, not a wait forever.
    const answer = await new Promise<string>((resolve) => {
      prompt.once('close', () => resolve(''))
      prompt.question(`Type ${CONFIRMATION} to go on: `).then(resolve, () => resolve(''))
    })
    return answer.trim() === CONFIRMATION
  } finally {
    prompt.close()
  }
}

let exitCode = 0
try {
  if (dryRun) {
    console.log(JSON.stringify(await decommission(deps, { ...request, dryRun: true }), null, 2))
  } else if (!flag('--yes') && !(await confirmed())) {
    console.error('not confirmed: nothing was changed')
    exitCode = 1
  } else {
    const report = await decommission(deps, request)
    const reportFile = resolve(option('--report') ?? join(dataDir, 'decommission-report.json'))
    const listFile = join(dirname(reportFile), 'decommission-status-list.jwt')
    writeFileSync(reportFile, JSON.stringify(report, null, 2) + '\n')
    writeFileSync(listFile, `${report.status_list?.jwt ?? ''}\n`)
    console.log(JSON.stringify(report, null, 2))
    console.log(`report: ${reportFile}\nfinal status list: ${listFile}`)
    if (!report.audit?.covers_last_entry) {
      console.error('the final audit seal does not cover the last entry: run npm run audit:verify')
      exitCode = 4
    }
  }
} catch (error) {
  if (!(error instanceof ApiError) || error.code !== 'already_decommissioned') throw error
  console.error(`${error.message}: the report is kept (GET /api/v1/admin/decommission)`)
  exitCode = 3
} finally {
  await store.close()
}
process.exit(exitCode)
