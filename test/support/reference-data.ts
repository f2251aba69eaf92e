import type Sqlite from 'better-sqlite3'
import { sql } from 'kysely'
import type { Store } from '../../src/db/store.ts'
import { usccCheckCharacter } from '../../src/enterprises/uscc.ts'

/** The demo accounts' roles, in the order the role matrix walks them. */
export const DEMO_ROLES = ['admin', 'coordinator', 'enterprise', 'checkpoint'] as const

/** A valid USCC (GB 32100) for a Hangzhou company, distinct for each `n`. */
export function makeUscc(n: number, region = '330109'): string {
  const first17 = `91${region}MA${String(n).padStart(7, '0')}`
  return first17 + usccCheckCharacter(first17)
}

/** A registration body the API accepts; `n` keeps the USCC, name and phone unique. */
export function enterpriseBody(n: number, overrides: Record<string, unknown> = {}) {
  return {
    uscc: makeUscc(n),
    name: `测试物流有限公司 ${n}`,
    contact_name: '李主管',
    contact_phone: `139${String(n).padStart(8, '0')}`,
    region_code: '330109',
    ...overrides,
  }
}

/**
 * The highest audit sequence number so far: remember it, write, then read what came after.
 * Through the store, so the same test runs on Node and on D1.
 */
export async function lastAuditSeq(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom('audit_log')
    .select(sql<number>`coalesce(max(seq), 0)`.as('seq'))
    .executeTakeFirstOrThrow()
  return row.seq
}

export function auditRowsSince(store: Store, seq: number) {
  return store.db
    .selectFrom('audit_log')
    .select(['seq', 'actor', 'action', 'subject', 'before', 'after'])
    .where('seq', '>', seq)
    .orderBy('seq')
    .execute()
}

/** Every text value in every table of the database, for "this never appears in clear" checks. */
export function everyStoredText(sqlite: Sqlite.Database): string[] {
  const tables = sqlite
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all() as string[]
  const texts: string[] = []
  for (const table of tables) {
    for (const row of sqlite.prepare(`SELECT * FROM "${table}"`).all() as Record<
      string,
      unknown
    >[]) {
      for (const value of Object.values(row)) if (typeof value === 'string') texts.push(value)
    }
  }
  return texts
}
