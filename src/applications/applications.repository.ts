import type { Kysely } from 'kysely'
import type { Database } from '../database.ts'
import { encryptPersonal, maskIdNumber, maskPhone } from '../privacy/personal-data.ts'
import type { ApplicationRow, ApplicationStatus, StoredCrewMember } from './applications.table.ts'

export function findApplication(db: Kysely<Database>, id: string) {
  return db.selectFrom('applications').selectAll().where('id', '=', id).executeTakeFirst()
}

/** The stored crew (JSON, sealed) of an application, for a pass's view (see `maskedCrew`). */
export async function applicationCrew(
  db: Kysely<Database>,
  id: string,
): Promise<string | undefined> {
  return (
    await db.selectFrom('applications').select('crew').where('id', '=', id).executeTakeFirst()
  )?.crew
}

export function listApplications(
  db: Kysely<Database>,
  filter: { status?: ApplicationStatus; enterpriseId?: string; limit: number; offset: number },
) {
  return applicationsQuery(db, filter).limit(filter.limit).offset(filter.offset).execute()
}

/** The applications matching `filter`, newest first: the API pages and counts this one query. */
export function applicationsQuery(
  db: Kysely<Database>,
  filter: { status?: ApplicationStatus; enterpriseId?: string },
) {
  let query = db.selectFrom('applications').selectAll()
  if (filter.status) query = query.where('status', '=', filter.status)
  if (filter.enterpriseId) query = query.where('enterprise_id', '=', filter.enterpriseId)
  return query.orderBy('created_at', 'desc').orderBy('id')
}

/**
 * The applications waiting for a decision, oldest first: the coordinators' queue (it walks
 * applications_by_status in order). Paged and counted by the caller (readPage).
 */
export function waitingApplicationsQuery(db: Kysely<Database>) {
  return db
    .selectFrom('applications')
    .selectAll()
    .where('status', '=', 'submitted')
    .orderBy('created_at')
    .orderBy('id')
}

/** Encrypts each member's ID number and phone and keeps only their masked forms in clear. */
export async function sealCrew(
  dataKey: string,
  crew: { name: string; id_number: string; phone: string }[],
): Promise<StoredCrewMember[]> {
  return Promise.all(
    crew.map(async (m) => ({
      name: m.name,
      id_number_enc: await encryptPersonal(dataKey, m.id_number),
      id_number_masked: maskIdNumber(m.id_number),
      phone_enc: await encryptPersonal(dataKey, m.phone),
      phone_masked: maskPhone(m.phone),
    })),
  )
}

export const maskedCrew = (crew: string) =>
  (JSON.parse(crew) as StoredCrewMember[]).map((m) => ({
    name: m.name,
    id_number: m.id_number_masked,
    phone: m.phone_masked,
  }))

export function destinationView(row: {
  destination_station_code: string | null
  destination_region_code: string
  destination_address: string | null
}) {
  return row.destination_station_code
    ? { station_code: row.destination_station_code, region_code: row.destination_region_code }
    : { region_code: row.destination_region_code, address: row.destination_address ?? '' }
}

export function applicationView(row: ApplicationRow) {
  return {
    id: row.id,
    status: row.status,
    enterprise_id: row.enterprise_id,
    plate: row.plate,
    crew: maskedCrew(row.crew),
    cargo_category: row.cargo_category,
    origin_region_code: row.origin_region_code,
    destination: destinationView(row),
    route: row.route,
    valid_from: row.valid_from,
    valid_until: row.valid_until,
    decision_reason: row.decision_reason,
    decided_at: row.decided_at,
    pass_number: row.pass_number,
    created_at: row.created_at,
  }
}

/** The plate's passes whose stored status is `active` (expired ones included), for the supersession rule. */
export function activePassesOfPlate(
  db: Kysely<Database>,
  plate: string,
  filter: { enterpriseId?: string; exceptApplicationId?: string } = {},
) {
  let query = db
    .selectFrom('passes')
    .select(['number', 'enterprise_id', 'valid_from', 'valid_until'])
    .where('plate', '=', plate)
    .where('status', '=', 'active')
  if (filter.enterpriseId) query = query.where('enterprise_id', '=', filter.enterpriseId)
  if (filter.exceptApplicationId)
    query = query.where('application_id', '!=', filter.exceptApplicationId)
  return query.orderBy('valid_from').execute()
}
