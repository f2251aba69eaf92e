import type { Kysely } from 'kysely'
import type { Database } from '../database.ts'
import type { ApplicationRow, ApplicationStatus } from './applications.table.ts'
import { applicationAge } from './rules.ts'
import { maskedCrew, sealCrew } from '../vehicles/crew.ts'

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

/**
 * The applications matching `filter`, newest first, but those still waiting (`submitted`) oldest
 * first, as the coordinators' queue: the API pages and counts this one query.
 */
export function applicationsQuery(
  db: Kysely<Database>,
  filter: { status?: ApplicationStatus; enterpriseId?: string },
) {
  let query = db.selectFrom('applications').selectAll()
  if (filter.status) query = query.where('status', '=', filter.status)
  if (filter.enterpriseId) query = query.where('enterprise_id', '=', filter.enterpriseId)
  return query.orderBy('created_at', filter.status === 'submitted' ? 'asc' : 'desc').orderBy('id')
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

/**
 * The queue's oldest and median wait in seconds (null when empty), given its length: two reads
 * of one row or two along applications_by_status, however long the queue.
 */
export async function waitingAges(
  db: Kysely<Database>,
  count: number,
  now: Date,
): Promise<{ oldest: number | null; median: number | null }> {
  if (count === 0) return { oldest: null, median: null }
  const createdAt = (offset: number, limit: number) =>
    db
      .selectFrom('applications')
      .select('created_at')
      .where('status', '=', 'submitted')
      .orderBy('created_at')
      .limit(limit)
      .offset(offset)
      .execute()
  const [first, middle] = await Promise.all([
    createdAt(0, 1),
    createdAt(Math.floor((count - 1) / 2), count % 2 === 0 ? 2 : 1),
  ])
  const age = (row: { created_at: string }) =>
    Math.max(0, Math.floor((now.getTime() - Date.parse(row.created_at)) / 1000))
  if (first.length === 0 || middle.length === 0) return { oldest: null, median: null }
  const ages = middle.map(age)
  return {
    oldest: age(first[0]),
    median: Math.round(ages.reduce((a, b) => a + b, 0) / ages.length),
  }
}

// The crew's sealing and masking belong to vehicles/ (a saved vehicle keeps its crew the same way).
export { maskedCrew, sealCrew }

export function destinationView(row: {
  destination_station_code: string | null
  destination_region_code: string
  destination_address: string | null
}) {
  return row.destination_station_code
    ? { station_code: row.destination_station_code, region_code: row.destination_region_code }
    : { region_code: row.destination_region_code, address: row.destination_address ?? '' }
}

/**
 * An application as the API and the pages show it, its age as of `now` (`overdue` past
 * `targetHours` while still waiting: APPROVAL_TARGET_HOURS).
 */
export function applicationView(row: ApplicationRow, now: Date, targetHours: number) {
  const age = applicationAge(row, now, targetHours)
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
    reason_code: row.status === 'rejected' ? (row.rejection_code ?? 'other') : null,
    decided_at: row.decided_at,
    waiting_seconds: age.waiting_seconds,
    overdue: age.overdue,
    pass_number: row.pass_number,
    arrival_slot: row.arrival_slot ?? null,
    created_at: row.created_at,
    personal_erased_at: row.personal_erased_at ?? null,
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

/** The arrival slot the application behind a pass asked for (null: none asked). */
export async function arrivalSlotOfPass(
  db: Kysely<Database>,
  passNumber: string,
): Promise<string | null> {
  const row = await db
    .selectFrom('applications')
    .select('arrival_slot')
    .where('pass_number', '=', passNumber)
    .executeTakeFirst()
  return row?.arrival_slot ?? null
}
