import type { Kysely } from 'kysely'
import type { Database } from '../database.ts'
import type { EnterpriseRow, WhitelistDecisionRow, WhitelistStatus } from './enterprises.table.ts'

export function findEnterprise(db: Kysely<Database>, id: string) {
  return db.selectFrom('enterprises').selectAll().where('id', '=', id).executeTakeFirst()
}

export function findEnterpriseByUscc(db: Kysely<Database>, uscc: string) {
  return db.selectFrom('enterprises').selectAll().where('uscc', '=', uscc).executeTakeFirst()
}

export function listEnterprises(
  db: Kysely<Database>,
  filter: { whitelist?: WhitelistStatus; q?: string },
) {
  return enterprisesQuery(db, filter).execute()
}

/** The enterprises matching `filter`, by name (then id, so pages never overlap): the API pages and counts this one query. */
export function enterprisesQuery(
  db: Kysely<Database>,
  filter: { whitelist?: WhitelistStatus; q?: string },
) {
  let query = db.selectFrom('enterprises').selectAll()
  if (filter.whitelist) query = query.where('whitelist_status', '=', filter.whitelist)
  if (filter.q) {
    // instr, not LIKE: D1 refuses LIKE patterns over 50 bytes (a long Chinese name is more).
    // Case is ignored as LIKE ignored it (Latin letters in names, the USCC's letters).
    const q = filter.q.toLowerCase()
    query = query.where((eb) =>
      eb.or([
        eb(eb.fn('instr', [eb.fn('lower', ['name']), eb.val(q)]), '>', 0),
        eb(eb.fn('instr', [eb.fn('lower', ['uscc']), eb.val(q)]), '=', 1),
      ]),
    )
  }
  return query.orderBy('name').orderBy('id')
}

export function whitelistHistory(db: Kysely<Database>, enterpriseId: string) {
  return db
    .selectFrom('whitelist_decisions')
    .selectAll()
    .where('enterprise_id', '=', enterpriseId)
    .orderBy('id', 'desc')
    .execute()
}

/** The enterprise as every response shows it: the contact phone only masked. */
export function enterpriseView(row: EnterpriseRow) {
  return {
    id: row.id,
    uscc: row.uscc,
    name: row.name,
    contact_name: row.contact_name,
    contact_phone: row.contact_phone_masked,
    region_code: row.region_code,
    whitelist: { status: row.whitelist_status, level: row.whitelist_level },
    created_at: row.created_at,
  }
}

export function decisionView(row: WhitelistDecisionRow) {
  return {
    previous_status: row.previous_status,
    previous_level: row.previous_level,
    status: row.status,
    level: row.level,
    reason: row.reason,
    actor: row.actor,
    at: row.at,
  }
}
