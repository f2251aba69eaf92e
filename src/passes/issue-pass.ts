import { sql } from 'kysely'
import type { Deps } from '../app-env.ts'
import type { ApplicationRow } from '../applications/applications.table.ts'
import { abortUnless, GuardFailed } from '../db/guard.ts'
import { jsonList } from '../db/precompiled.ts'
import { conflict } from '../http/errors.ts'
import { MAX_PASS_SERIAL } from '../applications/rules.ts'
import { loadSigningKeys } from '../trust/signing-keys.ts'
import type { PassRow } from './passes.table.ts'
import { signPassToken } from './pass-token.ts'
import { activePassesOfPlate } from '../applications/applications.repository.ts'
import { lastSerial, OTHER_FIRM_SUPERSEDED_REASON, passAuditView } from './passes.repository.ts'
import { planSupersession, supersessionConflict } from '../applications/supersession.ts'
import type { Slot } from '../stations/slots.ts'

/** How the coordinator approves: `confirmOtherFirm` with a note lets the new pass supersede another firm's. */
export interface ApprovalChoice {
  confirmOtherFirm: boolean
  note: string | null
  /** The arrival slot the application asked for, still to come: booked if it has room then. */
  arrival?: ArrivalBooking
}

/** A booking to make for the new pass in the approval's write (issue 20). */
export interface ArrivalBooking {
  id: string
  stationCode: string
  slot: Slot
  /** The approving coordinator's account id (the booking's `created_by`). */
  accountId: string
}

const NO_OVERRIDE: ApprovalChoice = { confirmOtherFirm: false, note: null }

/**
 * The supersession rule (see supersession.ts) with this issuer's serials, against the data as it is
 * now: the plan, or the refusal. Run before the write for a precise answer, and again after a
 * guard refused the write, to say which condition a concurrent request broke.
 */
async function planIssue(deps: Deps, application: ApplicationRow, choice: ApprovalChoice) {
  const db = deps.store.db
  if ((await lastSerial(db, deps.config.ISSUER_CODE)) >= MAX_PASS_SERIAL) {
    throw conflict(
      'serials_exhausted',
      `issuer ${deps.config.ISSUER_CODE} has given its last pass serial (${MAX_PASS_SERIAL}); no pass can be numbered`,
    )
  }
  const plan = planSupersession({
    enterpriseId: application.enterprise_id,
    validFrom: new Date(application.valid_from),
    validUntil: new Date(application.valid_until),
    now: deps.clock(),
    skewMs: deps.config.CLOCK_SKEW_SECONDS * 1000,
    confirmOtherFirm: choice.confirmOtherFirm,
    held: await activePassesOfPlate(db, application.plate, { exceptApplicationId: application.id }),
  })
  if (plan.problem) throw supersessionConflict(plan.problem)
  return plan
}

/**
 * Approves an application in one atomic write: the new pass takes the next serial of this issuer
 * (computed in SQL, so concurrent approvals can neither share nor skip a number), the plate's
 * current passes that its window overlaps become `superseded` (一车一证一线路; see supersession.ts
 * for when that is refused instead), and every change is audited. Guards re-check at write time
 * what was checked before it, so two approvals racing for one plate cannot both slip through.
 * Then the token is signed from the stored row.
 */
export async function issuePass(
  deps: Deps,
  application: ApplicationRow,
  actor: string,
  choice: ApprovalChoice = NO_OVERRIDE,
): Promise<PassRow> {
  const plan = await planIssue(deps, application, choice)
  try {
    await writeApproval(deps, application, actor, choice, plan)
  } catch (error) {
    if (error instanceof GuardFailed) await explainRefusal(deps, application, choice)
    throw error
  }
  const pass = await deps.store.db
    .selectFrom('passes')
    .selectAll()
    .where('application_id', '=', application.id)
    .executeTakeFirstOrThrow()
  return ensureToken(deps, pass)
}

/**
 * A guard refused the write, so something changed since the plan: a concurrent decision, a
 * whitelist change, another approval for the plate. Throws the precise refusal for what holds now
 * (the guard error alone names only the first guard of the write).
 */
async function explainRefusal(deps: Deps, application: ApplicationRow, choice: ApprovalChoice) {
  const db = deps.store.db
  const current = await db
    .selectFrom('applications')
    .select('status')
    .where('id', '=', application.id)
    .executeTakeFirst()
  if (current?.status !== 'submitted')
    throw conflict('application_not_submitted', `the application is ${current?.status ?? 'gone'}`)
  const firm = await db
    .selectFrom('enterprises')
    .select('whitelist_status')
    .where('id', '=', application.enterprise_id)
    .executeTakeFirst()
  if (firm?.whitelist_status !== 'active')
    throw conflict(
      'enterprise_not_whitelisted',
      'the enterprise is no longer active on the whitelist',
    )
  await planIssue(deps, application, choice)
  // What is left: the coordinator confirmed other firms' passes, and another one appeared since.
  throw conflict(
    'plate_held_by_other_firm',
    'another enterprise’s pass for this plate was issued meanwhile; review it and approve again',
  )
}

type Plan = Extract<Awaited<ReturnType<typeof planIssue>>, { problem: null }>

async function writeApproval(
  deps: Deps,
  application: ApplicationRow,
  actor: string,
  choice: ApprovalChoice,
  plan: Plan,
) {
  const { store, config } = deps
  const db = store.db
  const now = deps.clock().toISOString()
  const keys = await loadSigningKeys(config.SIGNING_KEYS)
  const issuer = config.ISSUER_CODE
  const appId = application.id
  const firm = application.enterprise_id
  const newNumber = sql<string>`(SELECT number FROM passes WHERE application_id = ${appId})`
  const confirmed = plan.otherFirms.map((p) => p.number)
  const override =
    choice.confirmOtherFirm && confirmed.length > 0
      ? { superseded_other_firm_passes: confirmed, note: choice.note }
      : {}
  const auditTemplate = JSON.stringify({
    ...passAuditView({ ...application, number: '', status: 'active' }),
    ...override,
  })
  /** The plate's current passes that the new window overlaps: the ones it replaces. */
  const overlapping = sql`plate = ${application.plate} AND status = 'active' AND application_id != ${appId}
    AND valid_until > ${now} AND valid_from < ${application.valid_until} AND valid_until > ${application.valid_from}`
  // Another firm's pass gets a neutral reason: its holder reads it, and the new pass and the
  // coordinator's note are another firm's business. Both stay in the audit log.
  const reason = sql<string>`CASE WHEN enterprise_id = ${firm} THEN 'replaced by pass ' || ${newNumber} ELSE ${OTHER_FIRM_SUPERSEDED_REASON} END`
  const supersededAudit = sql`CASE WHEN enterprise_id = ${firm}
    THEN json_object('status', 'superseded', 'superseded_by', ${newNumber}, 'reason', ${reason})
    ELSE json_object('status', 'superseded', 'superseded_by', ${newNumber}, 'reason', ${reason}, 'other_firm_confirmed', json('true'), 'note', ${choice.note}) END`

  await store.atomic([
    abortUnless(
      sql`(SELECT status FROM applications WHERE id = ${appId}) = 'submitted'`,
      'application_not_submitted',
      'the application was decided meanwhile',
    ),
    abortUnless(
      sql`(SELECT whitelist_status FROM enterprises WHERE id = ${firm}) = 'active'`,
      'enterprise_not_whitelisted',
      'the enterprise is no longer active on the whitelist',
    ),
    abortUnless(
      sql`(SELECT COALESCE(MAX(serial), 0) FROM passes WHERE issuer_code = ${issuer}) < ${MAX_PASS_SERIAL}`,
      'serials_exhausted',
      'this issuer has given its last pass serial (999999)',
    ),
    // Only the other firms' passes the coordinator confirmed may go; one that appeared since is refused.
    abortUnless(
      sql`NOT EXISTS (SELECT 1 FROM passes WHERE ${overlapping} AND enterprise_id != ${firm}
        AND number NOT IN (SELECT value FROM json_each(${jsonList(confirmed)})))`,
      'plate_held_by_other_firm',
      'another enterprise holds a valid pass for this plate',
    ),
    // A pass starting later replaces nothing: it must not overlap a current pass (the plan saw none).
    ...(plan.startsNow
      ? []
      : [
          abortUnless(
            sql`NOT EXISTS (SELECT 1 FROM passes WHERE ${overlapping})`,
            'overlaps_current_pass',
            'the new pass starts later but overlaps the vehicle’s current pass',
          ),
        ]),
    sql`INSERT INTO passes (number, issuer_code, serial, application_id, enterprise_id, plate, cargo_category,
          origin_region_code, destination_station_code, destination_region_code, destination_address, route,
          valid_from, valid_until, status, kid, issued_by, issued_at)
        SELECT ${issuer} || printf('%06d', next.serial), ${issuer}, next.serial, ${appId}, ${firm},
          ${application.plate}, ${application.cargo_category}, ${application.origin_region_code},
          ${application.destination_station_code}, ${application.destination_region_code}, ${application.destination_address},
          ${application.route}, ${application.valid_from}, ${application.valid_until}, 'active', ${keys.current.kid}, ${actor}, ${now}
        FROM (SELECT COALESCE(MAX(serial), 0) + 1 AS serial FROM passes WHERE issuer_code = ${issuer}) AS next`.compile(
      db,
    ),
    sql`INSERT INTO pass_status_changes (pass_number, status, reason, actor, at)
        SELECT number, 'superseded', ${reason}, ${actor}, ${now}
        FROM passes WHERE ${overlapping}`.compile(db),
    sql`INSERT INTO audit_log (at, actor, action, subject, before, after)
        SELECT ${now}, ${actor}, 'pass.supersede', 'pass:' || number, json_object('status', 'active'), ${supersededAudit}
        FROM passes WHERE ${overlapping}`.compile(db),
    sql`UPDATE passes SET status = 'superseded', status_reason = ${reason}, status_changed_at = ${now}, superseded_by = ${newNumber}
        WHERE ${overlapping}`.compile(db),
    sql`UPDATE applications SET status = 'approved', decided_by = ${actor}, decided_at = ${now}, pass_number = ${newNumber}
        WHERE id = ${appId}`.compile(db),
    sql`INSERT INTO audit_log (at, actor, action, subject, before, after)
        SELECT ${now}, ${actor}, 'application.approve', 'application:' || ${appId}, json_object('status', 'submitted'),
          json_set(${auditTemplate}, '$.number', number)
        FROM passes WHERE application_id = ${appId}`.compile(db),
    ...(choice.arrival ? arrivalWrites(deps, application, actor, choice.arrival, now) : []),
  ])
}

/**
 * The slot asked for, booked for the new pass only while it has room and the station is open: a
 * conditional insert, so a full slot never blocks the approval (the firm books again on the pass
 * page). Its audit entry is written only with the booking, from the row itself.
 */
function arrivalWrites(
  deps: Deps,
  application: ApplicationRow,
  actor: string,
  arrival: ArrivalBooking,
  now: string,
) {
  const db = deps.store.db
  const { id, stationCode, slot } = arrival
  const after = JSON.stringify({
    id,
    station_code: stationCode,
    pass_number: '',
    plate: application.plate,
    starts_at: slot.starts_at,
    ends_at: slot.ends_at,
    status: 'booked',
    notice: null,
    arrived_at: null,
    created_at: now,
    updated_at: now,
    note: 'from_application',
  })
  return [
    sql`INSERT INTO station_bookings (id, station_code, pass_number, enterprise_id, plate, starts_at, ends_at,
          status, notice, arrived_at, loop_id, created_by, created_at, updated_at)
        SELECT ${id}, ${stationCode}, number, enterprise_id, plate, ${slot.starts_at}, ${slot.ends_at},
          'booked', NULL, NULL, NULL, ${arrival.accountId}, ${now}, ${now}
        FROM passes WHERE application_id = ${application.id}
          AND (SELECT COUNT(*) FROM station_bookings WHERE station_code = ${stationCode}
            AND starts_at = ${slot.starts_at} AND status IN ('booked', 'arrived')) < ${slot.capacity}
          AND (SELECT is_open FROM stations WHERE code = ${stationCode}) = 1`.compile(db),
    sql`INSERT INTO audit_log (at, actor, action, subject, before, after)
        SELECT ${now}, ${actor}, 'booking.create', 'booking:' || id, NULL,
          json_set(${after}, '$.pass_number', pass_number)
        FROM station_bookings WHERE id = ${id}`.compile(db),
  ]
}

/** Signs and stores the pass token if the row has none yet (Ed25519 is deterministic, so a retry gives the same token). */
export async function ensureToken<Row extends PassRow>(deps: Deps, pass: Row): Promise<Row> {
  if (pass.token) return pass
  const keys = await loadSigningKeys(deps.config.SIGNING_KEYS)
  const key = keys.byKid.get(pass.kid)
  if (!key)
    throw new Error(`signing key ${pass.kid} of pass ${pass.number} is no longer configured`)
  const token = await signPassToken(
    {
      number: pass.number,
      plate: pass.plate,
      validFrom: new Date(pass.valid_from),
      validUntil: new Date(pass.valid_until),
      origin: pass.origin_region_code,
      destination: pass.destination_station_code ?? pass.destination_region_code,
    },
    key,
  )
  await deps.store.db
    .updateTable('passes')
    .set({ token })
    .where('number', '=', pass.number)
    .where('token', 'is', null)
    .execute()
  return { ...pass, token }
}
