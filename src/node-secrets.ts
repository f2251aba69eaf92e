import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateSecrets } from './keys/generate.ts'

export type Secrets = Awaited<ReturnType<typeof generateSecrets>>

/**
 * On Node the secrets live in `DATA_DIR/secrets.json` (mode 0600), made on first start, unless the
 * environment gives them. The file sits beside the database so a backup keeps both together.
 */
export async function loadOrCreateSecrets(dataDir: string): Promise<Secrets> {
  const file = join(dataDir, 'secrets.json')
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Secrets
  mkdirSync(dataDir, { recursive: true })
  const secrets = await generateSecrets()
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 })
  chmodSync(file, 0o600)
  return secrets
}

export function saveSecrets(dataDir: string, secrets: Secrets) {
  const file = join(dataDir, 'secrets.json')
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 })
}
