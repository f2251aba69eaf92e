import type { Kysely } from 'kysely'
import type { Database } from '../database.ts'
import { badRequest, conflict } from '../http/errors.ts'
import { findRegion } from '../regions/regions.repository.ts'
import { routingProblem } from './rules.ts'

/** Region, station and routing checks shared by apply and approve, against today's data. */
export async function checkDestination(
  db: Kysely<Database>,
  body: {
    origin_region_code: string
    destination_station_code: string | null
    destination_region_code: string
  },
) {
  const origin = await findRegion(db, body.origin_region_code)
  if (!origin)
    throw badRequest('unknown_region', `origin region ${body.origin_region_code} does not exist`, [
      { field: 'origin_region_code', message: 'no such region' },
    ])
  const problem = routingProblem(origin.risk_level, body.destination_station_code !== null)
  if (problem)
    throw conflict(problem.code, problem.message, [
      { field: 'destination', message: problem.message },
    ])
  return origin
}
