import type { Kysely } from 'kysely'
import type { Database } from '../database.ts'
import type { RegionRow, RiskLevel } from './regions.table.ts'

export function findRegion(db: Kysely<Database>, code: string) {
  return db.selectFrom('regions').selectAll().where('code', '=', code).executeTakeFirst()
}

export interface RegionFilter {
  risk?: RiskLevel
  q?: string
  province?: string
  limit: number
  offset: number
}

export function listRegions(db: Kysely<Database>, filter: RegionFilter) {
  return regionsQuery(db, filter).limit(filter.limit).offset(filter.offset).execute()
}

/** The regions matching `filter`, by code: the API pages and counts this one query. */
export function regionsQuery(db: Kysely<Database>, filter: Omit<RegionFilter, 'limit' | 'offset'>) {
  let query = db.selectFrom('regions').selectAll()
  if (filter.risk) query = query.where('risk_level', '=', filter.risk)
  if (filter.province) query = query.where('code', 'like', `${filter.province.slice(0, 2)}%`)
  if (filter.q) {
    // instr, not LIKE: D1 refuses LIKE patterns over 50 bytes (40 Chinese characters are 120),
    // and what people type is matched as typed, `%` and `_` included.
    const q = filter.q
    query = query.where((eb) =>
      eb.or([
        eb(eb.fn('instr', ['code', eb.val(q)]), '=', 1),
        eb(eb.fn('instr', ['name', eb.val(q)]), '>', 0),
        eb(eb.fn('instr', ['city_name', eb.val(q)]), '>', 0),
      ]),
    )
  }
  return query.orderBy('code')
}

export function riskHistory(db: Kysely<Database>, code: string) {
  return db
    .selectFrom('region_risk_changes')
    .selectAll()
    .where('region_code', '=', code)
    .orderBy('id', 'desc')
    .execute()
}

export function regionView(row: RegionRow) {
  return {
    code: row.code,
    name: row.name,
    city_name: row.city_name,
    province_name: row.province_name,
    full_name: [row.province_name, row.city_name, row.name]
      .filter((part, i, all) => part && all.indexOf(part) === i)
      .join(' '),
    risk_level: row.risk_level,
    risk_reason: row.risk_reason,
    risk_changed_at: row.risk_changed_at,
  }
}

/** The regions with these codes (any order): pages name many regions with one read. */
export function findRegions(db: Kysely<Database>, codes: readonly string[]) {
  if (codes.length === 0) return Promise.resolve([])
  return db
    .selectFrom('regions')
    .selectAll()
    .where('code', 'in', [...new Set(codes)])
    .execute()
}
