import type { Kysely } from 'kysely'
import type { Database } from '../database.ts'
import type { StationRow } from './stations.table.ts'

export function findStation(db: Kysely<Database>, code: string): Promise<StationRow | undefined> {
  return db.selectFrom('stations').selectAll().where('code', '=', code).executeTakeFirst()
}

export interface StationFilter {
  region?: string
  open?: boolean
}

/** Transfer stations by code. */
export function listStations(db: Kysely<Database>, q: StationFilter): Promise<StationRow[]> {
  let query = db.selectFrom('stations').selectAll().orderBy('code')
  if (q.region) query = query.where('region_code', '=', q.region)
  if (q.open !== undefined) query = query.where('is_open', '=', q.open ? 1 : 0)
  return query.execute()
}
