// `npm run dev:worker`: the Worker under workerd with a local D1. Makes a git-ignored .dev.vars
// with fresh secrets (and a first admin) if there is none, applies the migrations to the local
// database, then runs `wrangler dev`.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { generateSecrets } from '../src/keys/generate.ts'

// No telemetry, and no fetching of the `Request.cf` placeholder from the network.
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  CI: 'true',
}

/**
 * One `.dev.vars` line that wrangler reads back verbatim: its dotenv parser keeps everything inside
 * single quotes as written, but inside double quotes it keeps `\"` as backslash and quote, which
 * turned SIGNING_KEYS (JSON) into text that does not parse.
 */
function devVar(key: string, value: string) {
  if (/['\r\n]/.test(value)) throw new Error(`${key} cannot be written to .dev.vars verbatim`)
  return `${key}='${value}'`
}

if (existsSync('.dev.vars')) {
  // Written by an earlier version of this script with JSON.stringify: put those values in single quotes.
  const text = readFileSync('.dev.vars', 'utf8')
  const repaired = text.replace(
    /^(\w+)=("(?:[^"\\]|\\.)*")$/gm,
    (line, key: string, quoted: string) =>
      quoted.includes('\\') ? devVar(key, JSON.parse(quoted) as string) : line,
  )
  if (repaired !== text) {
    writeFileSync('.dev.vars', repaired, { mode: 0o600 })
    console.log(
      'rewrote .dev.vars: JSON values in single quotes, so wrangler reads them as written',
    )
  }
} else {
  const password = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) =>
    b.toString(36).padStart(2, '0'),
  )
    .join('')
    .slice(0, 16)
  const vars = { ...(await generateSecrets()), ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: password }
  writeFileSync(
    '.dev.vars',
    Object.entries(vars)
      .map(([k, v]) => devVar(k, v))
      .join('\n') + '\n',
    { mode: 0o600 },
  )
  console.log(`wrote .dev.vars with fresh secrets; first admin: admin / ${password}`)
}
const migrate = spawnSync('npx', ['wrangler', 'd1', 'migrations', 'apply', 'DB', '--local'], {
  stdio: 'inherit',
  env,
})
if (migrate.status !== 0) process.exit(migrate.status ?? 1)
const port = process.env.PORT ?? '8788'
const dev = spawn('npx', ['wrangler', 'dev', '--local', '--port', port, '--test-scheduled'], {
  stdio: 'inherit',
  env,
})
dev.on('exit', (code) => process.exit(code ?? 0))
