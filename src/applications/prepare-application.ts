import type { z } from '@hono/zod-openapi'
import { sql } from 'kysely'
import type { Deps } from '../app-env.ts'
import { badRequest, conflict } from '../http/errors.ts'
import { auditEntry } from '../audit-log/audit-entry.ts'
import { abortUnless } from '../db/guard.ts'
import { findRegion } from '../regions/regions.repository.ts'
import { planSupersession, supersessionConflict } from './supersession.ts'
import { checkDestination } from './destination-check.ts'
import type { ApplicationRow } from './applications.table.ts'
import { activePassesOfPlate, sealCrew } from './applications.repository.ts'
import type { ApplicationBody } from './schemas.ts'
import { validityProblem } from './rules.ts'
import { findSlot } from '../stations/bookings.repository.ts'
import { outsideValidity } from '../stations/slots.ts'
import type { StationRow } from '../stations/stations.table.ts'

const MINUTE = 60_000
/** Validity is kept to the minute, as the QR token carries it; rounding never lengthens it. */
const toMinute = (iso: string) => new Date(Math.floor(new Date(iso).getTime() / MINUTE) * MINUTE)

/** An application's fields as ApplicationBody reads them (a request, a CSV row). */
export type ApplicationInput = z.output<typeof ApplicationBody>
/** One whose crew comes sealed already: a kept vehicle's, copied as it is (no decryption). */
export type SavedCrewInput = Omit<ApplicationInput, 'crew'> & { sealedCrew: string }

/**
 * An application checked against every rule a single one meets (validity window, the firm's own
 * current pass, destination, station, routing) and sealed, ready to insert; else the ApiError that
 * says why. Shared by POST /applications and the bulk upload, so a CSV row is held to the same rules.
 */
export async function prepareApplication(
  deps: Deps,
  applicant: { enterpriseId: string; accountId: string },
  body: ApplicationInput | SavedCrewInput,
  now: Date,
  /** POST /applications only: the arrival slot asked for at a transfer station (never from bulk). */
  arrivalSlot?: string,
): Promise<ApplicationRow> {
  const { db } = deps.store
  const validFrom = toMinute(body.valid_from)
  const validUntil = toMinute(body.valid_until)
  const window = validityProblem(
    validFrom,
    validUntil,
    now,
    deps.config.MAX_PASS_DAYS,
    deps.config.MAX_APPLICATION_LEAD_DAYS,
  )
  if (window) throw badRequest('invalid_validity', `${window.field}: ${window.message}`, [window])
  // Told at once, against the firm's own passes only: another firm's claim on the plate is
  // never revealed to the applicant (the coordinator meets it at approval).
  const overlap = planSupersession({
    enterpriseId: applicant.enterpriseId,
    validFrom,
    validUntil,
    now,
    skewMs: deps.config.CLOCK_SKEW_SECONDS * 1000,
    confirmOtherFirm: false,
    held: await activePassesOfPlate(db, body.plate, { enterpriseId: applicant.enterpriseId }),
  })
  if (overlap.problem) throw supersessionConflict(overlap.problem)

  let stationCode: string | null = null
  let regionCode: string
  let address: string | null = null
  let slotStart: string | null = null
  if ('station_code' in body.destination) {
    const station = await db
      .selectFrom('stations')
      .selectAll()
      .where('code', '=', body.destination.station_code)
      .executeTakeFirst()
    if (!station)
      throw badRequest(
        'unknown_station',
        `station ${body.destination.station_code} does not exist`,
        [{ field: 'destination.station_code', message: 'no such station' }],
      )
    if (!station.is_open) throw conflict('station_closed', `station ${station.code} is closed`)
    stationCode = station.code
    regionCode = station.region_code
    if (arrivalSlot !== undefined)
      slotStart = askedSlot(station, arrivalSlot, validFrom, validUntil, now)
  } else {
    if (arrivalSlot !== undefined)
      throw badRequest('not_a_slot', 'an arrival slot is asked for only at a transfer station', [
        {
          field: 'arrival_slot',
          message: 'an arrival slot is asked for only at a transfer station',
        },
      ])
    if (!(await findRegion(db, body.destination.region_code))) {
      throw badRequest(
        'unknown_region',
        `destination region ${body.destination.region_code} does not exist`,
        [{ field: 'destination.region_code', message: 'no such region' }],
      )
    }
    regionCode = body.destination.region_code
    address = body.destination.address
  }
  await checkDestination(db, {
    origin_region_code: body.origin_region_code,
    destination_station_code: stationCode,
    destination_region_code: regionCode,
  })

  return {
    id: crypto.randomUUID(),
    personal_erased_at: null,
    enterprise_id: applicant.enterpriseId,
    plate: body.plate,
    crew:
      'sealedCrew' in body
        ? body.sealedCrew
        : JSON.stringify(await sealCrew(deps.config.DATA_KEY, body.crew)),
    cargo_category: body.cargo_category,
    origin_region_code: body.origin_region_code,
    destination_station_code: stationCode,
    destination_region_code: regionCode,
    destination_address: address,
    route: body.route,
    valid_from: validFrom.toISOString(),
    valid_until: validUntil.toISOString(),
    status: 'submitted',
    decision_reason: null,
    rejection_code: null,
    decided_by: null,
    decided_at: null,
    pass_number: null,
    arrival_slot: slotStart,
    created_by: applicant.accountId,
    created_at: now.toISOString(),
  }
}

/**
 * The arrival slot an application asks for: a slot start at the station (400 `not_a_slot`), still to
 * come (409 `slot_started`) and inside the validity window asked for (409 `slot_outside_validity`).
 */
function askedSlot(
  station: StationRow,
  asked: string,
  validFrom: Date,
  validUntil: Date,
  now: Date,
): string {
  const slot = findSlot(station, new Date(asked).toISOString())
  if (!slot)
    throw badRequest('not_a_slot', `${asked} is not the start of a slot at ${station.code}`, [
      { field: 'arrival_slot', message: 'not the start of a slot' },
    ])
  if (Date.parse(slot.starts_at) <= now.getTime())
    throw conflict('slot_started', `the slot at ${slot.starts_at} has started`)
  if (outsideValidity(slot, validFrom, validUntil))
    throw conflict(
      'slot_outside_validity',
      `the slot at ${slot.starts_at} is not inside the validity window`,
    )
  return slot.starts_at
}

/** The guard every submission is written behind: the firm is still active on the whitelist. */
export function stillWhitelisted(enterpriseId: string) {
  return abortUnless(
    sql`(SELECT whitelist_status FROM enterprises WHERE id = ${enterpriseId}) = 'active'`,
    'enterprise_not_whitelisted',
    'the enterprise is no longer active on the whitelist',
  )
}

/** The writes of one submission after that guard: the row and its audit entry (`shown`: its view). */
export function submissionWrites(
  deps: Deps,
  row: ApplicationRow,
  actor: string,
  shown: unknown,
  now: Date,
) {
  return [
    deps.store.db.insertInto('applications').values(row),
    auditEntry(now, {
      actor,
      action: 'application.submit',
      subject: `application:${row.id}`,
      after: shown,
    }),
  ]
}

/**
 * 409 `application_pending` if the firm already has an application waiting for the same plate over
 * an overlapping window. The bulk upload asks this of every row, so a file uploaded twice queues
 * nothing twice; a single application may still be filed beside a waiting one (a deliberate second
 * window), the coordinator deciding between them.
 */
export async function refuseWaitingTwin(deps: Deps, row: ApplicationRow): Promise<void> {
  const waiting = await deps.store.db
    .selectFrom('applications')
    .select('id')
    .where('plate', '=', row.plate)
    .where('status', '=', 'submitted')
    .where('enterprise_id', '=', row.enterprise_id)
    .where('valid_from', '<', row.valid_until)
    .where('valid_until', '>', row.valid_from)
    .executeTakeFirst()
  if (waiting)
    throw conflict(
      'application_pending',
      `an application for ${row.plate} over an overlapping window is already waiting for a decision`,
      { application_id: waiting.id },
    )
}
