import type { Deps } from '../app-env.ts'
import { sql } from 'kysely'
import {
  dataKeyId,
  dataKeyRing,
  decryptPersonal,
  encryptPersonal,
  sealedKeyId,
} from '../privacy/personal-data.ts'
import { resealCrew } from '../vehicles/crew.ts'

// Personal data sealed again in place: crews stored before names were sealed (migration 0027)
// get their names encrypted and their ID hash, and, during a key rotation (keys:rotate-data),
// everything sealed under an earlier key moves under DATA_KEY. Rows are read a page at a time
// and each is written back only if it is still as read (compare and set), so a row changed by
// the service meanwhile is left for the next pass rather than overwritten: no downtime needed.

/** The tables whose `crew` column holds a sealed crew (JSON), by primary key `id`. */
export const CREW_TABLES = ['applications', 'arrival_reports', 'vehicles'] as const
export type CrewTable = (typeof CREW_TABLES)[number]

export interface ResealCounts {
  applications: number
  arrival_reports: number
  vehicles: number
  enterprises: number
  /** Rows no key of the ring could open, left as they were. */
  unopened: number
}

export interface ResealOptions {
  /** `legacy`: only crews from before names were sealed (cheap, by SQL); `all`: every row (rotation). */
  scope: 'legacy' | 'all'
  /** Rows read per page. */
  pageSize?: number
  /** Stop after this many rows written in all (the Workers cron does a little each minute). */
  limit?: number
}

/** Seals again what needs it; returns how many rows of each table were written. */
export async function resealPersonalData(
  deps: Deps,
  options: ResealOptions,
): Promise<ResealCounts> {
  const ring = dataKeyRing(deps.config)
  const pageSize = options.pageSize ?? 200
  let budget = options.limit ?? Number.POSITIVE_INFINITY
  const counts: ResealCounts = {
    applications: 0,
    arrival_reports: 0,
    vehicles: 0,
    enterprises: 0,
    unopened: 0,
  }
  for (const table of CREW_TABLES) {
    let after = ''
    while (budget > 0) {
      const page = await sql<{ id: string; crew: string }>`
        SELECT id, crew FROM ${sql.table(table)}
        WHERE id > ${after} AND crew <> '[]'
          AND (${options.scope === 'all' ? 1 : 0} OR instr(crew, '"name":') > 0)
        ORDER BY id LIMIT ${pageSize}`.execute(deps.store.db)
      if (page.rows.length === 0) break
      after = page.rows[page.rows.length - 1].id
      const writes = []
      for (const row of page.rows) {
        if (budget <= 0) break
        // A row no key of the ring opens (sealed under a key since dropped) is counted and
        // left: it must not hold up every row after it.
        const resealed = await resealCrew(ring, row.crew).catch(() => {
          counts.unopened += 1
          return null
        })
        if (resealed === null) continue
        writes.push(
          deps.store.db
            .updateTable(table)
            .set({ crew: resealed })
            .where('id', '=', row.id)
            .where('crew', '=', row.crew),
        )
        budget -= 1
      }
      if (writes.length > 0) {
        const results = await deps.store.atomic(writes)
        counts[table] += results.reduce((n, r) => n + r.changes, 0)
      }
      if (page.rows.length < pageSize) break
    }
  }
  if (options.scope === 'all' && budget > 0)
    counts.enterprises = await resealContactPhones(deps, ring, budget)
  return counts
}

/** A firm's contact phone, the one other sealed value, moved under the current key. */
async function resealContactPhones(deps: Deps, ring: string[], budget: number) {
  const current = await dataKeyId(ring[0])
  const rows = await deps.store.db
    .selectFrom('enterprises')
    .select(['id', 'contact_phone_enc'])
    .where('contact_phone_enc', 'not like', `v2.${current}.%`)
    .where('contact_phone_enc', '<>', '')
    // No limit given: the budget is Infinity, which SQLite cannot bind (-1: no limit).
    .limit(Number.isFinite(budget) ? budget : -1)
    .execute()
  const writes = []
  for (const row of rows) {
    if (sealedKeyId(row.contact_phone_enc) === current) continue
    const phone = await decryptPersonal(ring, row.contact_phone_enc).catch(() => null)
    if (phone === null) continue
    writes.push(
      deps.store.db
        .updateTable('enterprises')
        .set({ contact_phone_enc: await encryptPersonal(ring[0], phone) })
        .where('id', '=', row.id)
        .where('contact_phone_enc', '=', row.contact_phone_enc),
    )
  }
  if (writes.length === 0) return 0
  return (await deps.store.atomic(writes)).reduce((n, r) => n + r.changes, 0)
}

/** How many values are still sealed under a key other than DATA_KEY (0: the old key may go). */
export async function countNotUnderCurrentKey(deps: Deps): Promise<number> {
  const current = await dataKeyId(deps.config.DATA_KEY)
  let total = 0
  for (const table of CREW_TABLES) {
    const row = await sql<{ n: number }>`
      SELECT count(*) AS n FROM ${sql.table(table)}
      WHERE crew <> '[]' AND (instr(crew, '"name":') > 0 OR
        (length(crew) - length(replace(crew, ${`v2.${current}.`}, ''))) / ${`v2.${current}.`.length}
          <> 3 * json_array_length(crew))`.execute(deps.store.db)
    total += Number(row.rows[0]?.n ?? 0)
  }
  const phones = await deps.store.db
    .selectFrom('enterprises')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('contact_phone_enc', 'not like', `v2.${current}.%`)
    .where('contact_phone_enc', '<>', '')
    .executeTakeFirst()
  return total + Number(phones?.n ?? 0)
}
