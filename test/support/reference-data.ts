import type Sqlite from 'better-sqlite3'
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

/** The highest audit sequence number so far: remember it, write, then read what came after. */
export function lastAuditSeq(sqlite: Sqlite.Database): number {
  return sqlite.prepare('SELECT coalesce(max(seq), 0) FROM audit_log').pluck().get() as number
}

export function auditRowsSince(sqlite: Sqlite.Database, seq: number) {
  return sqlite
    .prepare('SELECT seq, actor, action, subject, before, after FROM audit_log WHERE seq > ? ORDER BY seq')
    .all(seq) as { seq: number; actor: string; action: string; subject: string; before: string | null; after: string | null }[]
}

/** Every text value in every table of the database, for "this never appears in clear" checks. */
export function everyStoredText(sqlite: Sqlite.Database): string[] {
  const tables = sqlite
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all() as string[]
  const texts: string[] = []
  for (const table of tables) {
    for (const row of sqlite.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[]) {
      for (const value of Object.values(row)) if (typeof value === 'string') texts.push(value)
    }
  }
  return texts
}
