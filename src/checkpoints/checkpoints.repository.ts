import type { Kysely } from 'kysely'
import type { Database } from '../database.ts'
import type { CheckpointKind, CheckpointRow } from './checkpoints.table.ts'

export function findCheckpoint(
  db: Kysely<Database>,
  code: string,
): Promise<CheckpointRow | undefined> {
  return db.selectFrom('checkpoints').selectAll().where('code', '=', code).executeTakeFirst()
}

export interface CheckpointFilter {
  kind?: CheckpointKind
  region?: string
  /** Only these checkpoints (checkpoint staff's scan page: theirs). */
  codes?: readonly string[]
}

/** Checkpoints by code. */
export function listCheckpoints(
  db: Kysely<Database>,
  q: CheckpointFilter,
): Promise<CheckpointRow[]> {
  let query = db.selectFrom('checkpoints').selectAll().orderBy('code')
  if (q.kind) query = query.where('kind', '=', q.kind)
  if (q.region) query = query.where('region_code', '=', q.region)
  if (q.codes) query = query.where('code', 'in', q.codes.length ? q.codes : [''])
  return query.execute()
}
