import type { Kysely } from 'kysely'
import type { Database } from '../database.ts'

/** The trust list by issuer code, keys parsed: the trust page reads it here (pages build no queries). */
export async function listTrustedIssuers(db: Kysely<Database>) {
  const rows = await db.selectFrom('trusted_issuers').selectAll().orderBy('issuer_code').execute()
  return rows.map((row) => ({
    issuer_code: row.issuer_code,
    name: row.name,
    jwks: JSON.parse(row.jwks) as { keys: { kid: string }[] },
    added_by: row.added_by,
    added_at: row.added_at,
  }))
}
