import type { Kysely } from 'kysely'
import type { Database } from '../database.ts'
import { destinationView, maskedCrew } from '../applications/applications.repository.ts'
import type { ApplicationRow } from '../applications/applications.table.ts'
import type { PassRow, PassStatus, StoredPassStatus } from './passes.table.ts'
import { isCoordinator, type Principal } from '../auth/principal.ts'

/**
 * Why another firm's pass was superseded, as it is stored and shown to that firm. The new pass's
 * number and the coordinator's note stay in the audit log: they belong to another firm's business.
 */
export const OTHER_FIRM_SUPERSEDED_REASON = "replaced by a coordinator's decision"

/** A pass and the firm of the pass that superseded it, which decides who may see its number. */
export type PassWithSuccessor = PassRow & { successor_enterprise_id: string | null }

/** The passes with their successor's firm (a subquery, so filters on `passes` stay unqualified). */
function passesWithSuccessor(db: Kysely<Database>) {
  return db
    .selectFrom('passes')
    .selectAll('passes')
    .select((eb) =>
      eb
        .selectFrom('passes as successor')
        .select('successor.enterprise_id')
        .whereRef('successor.number', '=', 'passes.superseded_by')
        .as('successor_enterprise_id'),
    )
}

export function findPass(
  db: Kysely<Database>,
  number: string,
): Promise<PassWithSuccessor | undefined> {
  return passesWithSuccessor(db).where('number', '=', number).executeTakeFirst()
}

/** The highest serial this issuer has given, 0 before the first pass. */
export async function lastSerial(db: Kysely<Database>, issuerCode: string): Promise<number> {
  const row = await db
    .selectFrom('passes')
    .select((eb) => eb.fn.max('serial').as('serial'))
    .where('issuer_code', '=', issuerCode)
    .executeTakeFirst()
  return Number(row?.serial ?? 0)
}

/** The passes matching `filter`, newest first: the API pages and counts this one query. */
export function passesQuery(
  db: Kysely<Database>,
  filter: {
    status?: PassStatus
    enterpriseId?: string
    plate?: string
    /** A whole pass number or its first digits (numbers are 12 digits: a range of the key). */
    number?: string
    now: Date
  },
) {
  let query = passesWithSuccessor(db)
  const now = filter.now.toISOString()
  if (filter.enterpriseId) query = query.where('enterprise_id', '=', filter.enterpriseId)
  if (filter.plate) query = query.where('plate', '=', filter.plate)
  if (filter.number) {
    const lowest = filter.number.padEnd(12, '0')
    const highest = filter.number.padEnd(12, '9')
    query = query.where('number', '>=', lowest).where('number', '<=', highest)
  }
  if (filter.status === 'expired')
    query = query.where('status', '=', 'active').where('valid_until', '<', now)
  else if (filter.status === 'active')
    query = query.where('status', '=', 'active').where('valid_until', '>=', now)
  else if (filter.status) query = query.where('status', '=', filter.status)
  return query.orderBy('issued_at', 'desc').orderBy('number', 'desc')
}

/** `expired` is derived: an active pass whose window has ended. */
export function shownStatus(status: StoredPassStatus, validUntil: string, now: Date): PassStatus {
  return status === 'active' && new Date(validUntil).getTime() < now.getTime() ? 'expired' : status
}

export function passView(row: PassRow, now: Date, crew?: string) {
  return {
    number: row.number,
    status: shownStatus(row.status, row.valid_until, now),
    status_reason: row.status_reason,
    plate: row.plate,
    valid_from: row.valid_from,
    valid_until: row.valid_until,
    origin_region_code: row.origin_region_code,
    destination: destinationView(row),
    route: row.route,
    cargo_category: row.cargo_category,
    enterprise_id: row.enterprise_id,
    application_id: row.application_id,
    issuer_code: row.issuer_code,
    issued_at: row.issued_at,
    superseded_by: row.superseded_by,
    kid: row.kid,
    token: row.token ?? '',
    ...(crew === undefined ? {} : { crew: maskedCrew(crew) }),
  }
}

/** Who reads a pass: coordinators see every pass whole; a firm sees its own. */
export interface PassViewer {
  coordinator: boolean
  enterpriseId: string | null
}

export const passViewerOf = (principal: Principal): PassViewer => ({
  coordinator: isCoordinator(principal),
  enterpriseId: principal.enterpriseId,
})

/** The pass-visibility rule: coordinators may see every pass, a firm only its own. */
function mayViewPass(viewer: PassViewer, row: Pick<PassRow, 'enterprise_id'>): boolean {
  return (
    viewer.coordinator ||
    (viewer.enterpriseId !== null && row.enterprise_id === viewer.enterpriseId)
  )
}

/** The pass, if `viewer` may see it (else undefined, as for an unknown number). */
export async function findVisiblePass(
  db: Kysely<Database>,
  viewer: PassViewer,
  number: string,
): Promise<PassWithSuccessor | undefined> {
  const row = await findPass(db, number)
  return row && mayViewPass(viewer, row) ? row : undefined
}

/**
 * The passes matching `filter` that `viewer` may see, newest first: a coordinator may narrow to one
 * firm, a firm always gets its own whatever it asks.
 */
export function visiblePassesQuery(
  db: Kysely<Database>,
  viewer: PassViewer,
  filter: Parameters<typeof passesQuery>[1],
) {
  if (viewer.coordinator) return passesQuery(db, filter)
  // An account bound to no firm (none should exist) matches no pass rather than every pass.
  return passesQuery(db, { ...filter, enterpriseId: undefined }).where(
    'enterprise_id',
    '=',
    viewer.enterpriseId ?? '',
  )
}

/**
 * The pass as `viewer` may see it. A firm whose pass another firm's replaced learns only that a
 * coordinator decided so: not the other pass's number (it stays stored, every superseded pass names
 * its successor) and not the note (in the audit log). The reason is set here too, for passes
 * superseded before it was stored neutral.
 */
export function passViewFor(viewer: PassViewer, row: PassWithSuccessor, now: Date, crew?: string) {
  const view = passView(row, now, crew)
  if (!successorHiddenFrom(viewer, row)) return view
  return { ...view, status_reason: OTHER_FIRM_SUPERSEDED_REASON, superseded_by: null }
}

function successorHiddenFrom(viewer: PassViewer, row: PassWithSuccessor): boolean {
  return (
    !viewer.coordinator &&
    row.superseded_by !== null &&
    row.successor_enterprise_id !== viewer.enterpriseId
  )
}

/** What the audit log keeps of a pass: no crew at all. */
export function passAuditView(
  row: Pick<
    ApplicationRow,
    | 'plate'
    | 'enterprise_id'
    | 'valid_from'
    | 'valid_until'
    | 'origin_region_code'
    | 'destination_station_code'
    | 'destination_region_code'
    | 'destination_address'
  > & { number: string; status: string },
) {
  return {
    number: row.number,
    status: row.status,
    plate: row.plate,
    enterprise_id: row.enterprise_id,
    valid_from: row.valid_from,
    valid_until: row.valid_until,
    origin_region_code: row.origin_region_code,
    destination: destinationView(row),
  }
}
