import type { Kysely } from 'kysely'
import type { Database } from '../database.ts'
import { maskedCrew } from './crew.ts'
import type { VehicleRow } from './vehicles.table.ts'

/** The firm's vehicle `id`, or undefined: another firm's answers as unknown. */
export function findOwnVehicle(db: Kysely<Database>, enterpriseId: string, id: string) {
  return db
    .selectFrom('vehicles')
    .selectAll()
    .where('id', '=', id)
    .where('enterprise_id', '=', enterpriseId)
    .executeTakeFirst()
}

/** The firm's vehicle with this (normalised) plate, if it keeps one. */
export function findVehicleByPlate(db: Kysely<Database>, enterpriseId: string, plate: string) {
  return db
    .selectFrom('vehicles')
    .selectAll()
    .where('enterprise_id', '=', enterpriseId)
    .where('plate', '=', plate)
    .executeTakeFirst()
}

/** The firm's vehicles by plate (optionally one plate), for the API to page and count. */
export function vehiclesQuery(
  db: Kysely<Database>,
  filter: { enterpriseId: string; plate?: string },
) {
  let query = db.selectFrom('vehicles').selectAll().where('enterprise_id', '=', filter.enterpriseId)
  if (filter.plate) query = query.where('plate', '=', filter.plate)
  return query.orderBy('plate').orderBy('id')
}

/** The vehicle as every answer and page shows it: the crew's ID numbers and phones masked. */
export function vehicleView(row: VehicleRow) {
  return {
    id: row.id,
    enterprise_id: row.enterprise_id,
    plate: row.plate,
    kind: row.kind,
    crew: maskedCrew(row.crew),
    created_at: row.created_at,
    updated_at: row.updated_at,
  }
}
export type VehicleView = ReturnType<typeof vehicleView>
