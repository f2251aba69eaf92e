import { sql, type SqlBool } from 'kysely'
import type { Deps } from '../app-env.ts'
import { auditEntry } from '../audit-log/audit-entry.ts'
import { abortUnless, GuardFailed } from '../db/guard.ts'
import { conflict } from '../http/errors.ts'
import { dataKeyRing, idNumberHash, maskIdNumber, auditedReason } from '../privacy/personal-data.ts'
import { openCrew, type AnyStoredCrewMember, type CrewMember } from '../vehicles/crew.ts'
import { ERASED_CREW, eraseApplications, eraseArrivalReports, eraseScanInput } from './erase.ts'
import { CREW_TABLES, resealPersonalData, type CrewTable } from './reseal.ts'

// A subject's request (PIPL art. 45 and 47): everything held about one resident ID number, as a
// file, or erased early. The person is found by the ID number's keyed hash stored beside each
// crew member (one per key in the ring, so rows not yet moved by a key rotation are found too),
// never by opening every row: only the matching member of a matching row is ever decrypted.

/** D1 binds at most 100 parameters per statement: `in (...)` lists are cut to this. */
const CHUNK = 90

/** The ID number's hash under each key of the ring; the first is the current key's. */
export async function subjectHashes(config: Deps['config'], idNumber: string): Promise<string[]> {
  return Promise.all(dataKeyRing(config).map((key) => idNumberHash(key, idNumber)))
}

/** How the audit log names the person: never the ID number, a prefix of its current hash. */
export const subjectLabel = (hashes: readonly string[]) => `id_hash:${hashes[0].slice(0, 12)}`

/** `crew` holds a member with one of these hashes: a substring test, no decryption. */
const namesSubject = (table: CrewTable, hashes: readonly string[]) =>
  sql<SqlBool>`(${sql.join(
    hashes.map((h) => sql`instr(${sql.ref(`${table}.crew`)}, ${`"id_hash":"${h}"`}) > 0`),
    sql` OR `,
  )})`

const isSubject = (hashes: readonly string[]) => (m: AnyStoredCrewMember) =>
  'id_hash' in m && hashes.includes(m.id_hash)

/** The person's own entries of a crew, opened; the other members stay sealed. */
async function openOwnEntries(
  ring: readonly string[],
  crew: string,
  hashes: readonly string[],
): Promise<CrewMember[]> {
  const own = (JSON.parse(crew) as AnyStoredCrewMember[]).filter(isSubject(hashes))
  return openCrew(ring, JSON.stringify(own))
}

const chunks = <T>(items: readonly T[]) => {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK))
  return out
}

/**
 * Crews stored before names were sealed carry no hash: they are sealed first (cheap once none
 * is left). A row that cannot be sealed (a key no longer held) is counted, and the file and the
 * answer say how many rows could not be searched.
 */
async function upgradeLegacyCrews(deps: Deps): Promise<number> {
  const log = (error: string) =>
    console.error(JSON.stringify({ level: 'error', job: 'subject-reseal', error }))
  try {
    // Bounded, so one request stays within a Worker's query budget; the rest are counted.
    const counts = await resealPersonalData(deps, { scope: 'legacy', limit: 1000 })
    if (counts.unopened > 0) log(`${counts.unopened} rows sealed under a key no longer held`)
  } catch (error) {
    log(String(error).slice(0, 200))
  }
  let left = 0
  for (const table of CREW_TABLES) {
    const row = await sql<{ n: number }>`
      SELECT count(*) AS n FROM ${sql.table(table)} WHERE instr(crew, '"name":') > 0`.execute(
      deps.store.db,
    )
    left += Number(row.rows[0]?.n ?? 0)
  }
  return left
}

/** The rows naming the person in each crew table, as read (for compare-and-set). */
async function findRows(deps: Deps, hashes: readonly string[]) {
  const db = deps.store.db
  const [applications, arrivalReports, vehicles] = await Promise.all([
    db
      .selectFrom('applications')
      .leftJoin('enterprises', 'enterprises.id', 'applications.enterprise_id')
      .selectAll('applications')
      .select('enterprises.name as enterprise_name')
      .where(namesSubject('applications', hashes))
      .orderBy('applications.created_at')
      .execute(),
    db
      .selectFrom('arrival_reports')
      .leftJoin('enterprises', 'enterprises.id', 'arrival_reports.enterprise_id')
      .selectAll('arrival_reports')
      .select('enterprises.name as enterprise_name')
      .where(namesSubject('arrival_reports', hashes))
      .orderBy('arrival_reports.created_at')
      .execute(),
    db
      .selectFrom('vehicles')
      .leftJoin('enterprises', 'enterprises.id', 'vehicles.enterprise_id')
      .selectAll('vehicles')
      .select('enterprises.name as enterprise_name')
      .where(namesSubject('vehicles', hashes))
      .orderBy('vehicles.created_at')
      .execute(),
  ])
  // The passes the person rode on or was reported on: their loops and scans hold their trip.
  const passNumbers = [
    ...new Set(
      [...applications, ...arrivalReports]
        .map((r) => r.pass_number)
        .filter((n): n is string => n !== null),
    ),
  ]
  return { applications, arrivalReports, vehicles, passNumbers }
}

async function scansOf(deps: Deps, passNumbers: readonly string[]) {
  const rows = []
  for (const part of chunks(passNumbers)) {
    rows.push(
      ...(await deps.store.db
        .selectFrom('scans')
        .select([
          'id',
          'pass_number',
          'checkpoint_code',
          'scanned_at',
          'verdict',
          'action',
          'reasons',
          'personal_erased_at',
        ])
        .where('pass_number', 'in', part)
        .execute()),
    )
  }
  return rows.sort((a, b) => a.scanned_at.localeCompare(b.scanned_at))
}

export interface SubjectRecordCounts {
  applications: number
  arrival_reports: number
  vehicles: number
  loops: number
  scans: number
}

/**
 * The file of everything held about one ID number: each application and pass, arrival report
 * and kept vehicle naming the person (with the person's own full name, ID number and phone, never
 * another crew member's), and the loops and scans of those passes. Audited (`personal.export`)
 * before it is handed over, with counts only.
 */
export async function exportSubject(
  deps: Deps,
  request: { idNumber: string; reason: string; actor: string },
) {
  const now = deps.clock()
  const unsearched = await upgradeLegacyCrews(deps)
  const ring = dataKeyRing(deps.config)
  const hashes = await subjectHashes(deps.config, request.idNumber)
  const found = await findRows(deps, hashes)
  const db = deps.store.db

  const passes = new Map<string, Record<string, unknown>>()
  for (const part of chunks(found.passNumbers)) {
    const rows = await db
      .selectFrom('passes')
      .select([
        'number',
        'plate',
        'status',
        'status_reason',
        'valid_from',
        'valid_until',
        'origin_region_code',
        'destination_station_code',
        'destination_region_code',
        'destination_address',
        'route',
        'issued_at',
      ])
      .where('number', 'in', part)
      .execute()
    for (const row of rows) passes.set(row.number, row)
  }

  const loops = []
  for (const part of chunks(found.passNumbers)) {
    const rows = await db
      .selectFrom('loops')
      .select([
        'id',
        'pass_number',
        'plate',
        'entry_checkpoint_code',
        'opened_at',
        'state',
        'sampled_at',
        'pcr_result',
        'released_at',
        'destination_code',
        'destination_arrived_at',
        'last_checkpoint_code',
        'closed_at',
      ])
      .where('pass_number', 'in', part)
      .execute()
    for (const loop of rows) {
      const events = await db
        .selectFrom('loop_events')
        .select(['kind', 'at', 'checkpoint_code', 'flag'])
        .where('loop_id', '=', loop.id)
        .orderBy('at')
        .execute()
      loops.push({ ...loop, events })
    }
  }
  loops.sort((a, b) => a.opened_at.localeCompare(b.opened_at))
  const scans = (await scansOf(deps, found.passNumbers)).map((s) => ({
    ...s,
    reasons: JSON.parse(s.reasons) as unknown,
  }))

  const applications = await Promise.all(
    found.applications.map(async (a) => ({
      id: a.id,
      status: a.status,
      enterprise: { id: a.enterprise_id, name: a.enterprise_name },
      plate: a.plate,
      cargo_category: a.cargo_category,
      origin_region_code: a.origin_region_code,
      destination_station_code: a.destination_station_code,
      destination_region_code: a.destination_region_code,
      destination_address: a.destination_address,
      route: a.route,
      valid_from: a.valid_from,
      valid_until: a.valid_until,
      created_at: a.created_at,
      decided_at: a.decided_at,
      as_crew: await openOwnEntries(ring, a.crew, hashes),
      pass: a.pass_number ? (passes.get(a.pass_number) ?? { number: a.pass_number }) : null,
    })),
  )
  const arrivalReports = await Promise.all(
    found.arrivalReports.map(async (r) => ({
      id: r.id,
      enterprise: { id: r.enterprise_id, name: r.enterprise_name },
      plate: r.plate,
      pass_number: r.pass_number,
      checkpoint_code: r.checkpoint_code,
      expected_from: r.expected_from,
      expected_until: r.expected_until,
      created_at: r.created_at,
      arrived_at: r.arrived_at,
      as_crew: await openOwnEntries(ring, r.crew, hashes),
    })),
  )
  const vehicles = await Promise.all(
    found.vehicles.map(async (v) => ({
      id: v.id,
      enterprise: { id: v.enterprise_id, name: v.enterprise_name },
      plate: v.plate,
      kind: v.kind,
      as_crew: await openOwnEntries(ring, v.crew, hashes),
    })),
  )

  const counts: SubjectRecordCounts = {
    applications: applications.length,
    arrival_reports: arrivalReports.length,
    vehicles: vehicles.length,
    loops: loops.length,
    scans: scans.length,
  }
  const anything = applications.length + arrivalReports.length + vehicles.length > 0
  const file = {
    format: 'tongxing-subject-export/1',
    generated_at: now.toISOString(),
    generated_by: request.actor,
    reason: request.reason,
    subject: { id_number_masked: maskIdNumber(request.idNumber), index: subjectLabel(hashes) },
    found: anything,
    note: anything
      ? 'Everything this service holds about the person with this ID number: their own entries in each crew (other crew members are left out), and the loops and scans of the passes they were named on.'
      : 'Nothing is held about this ID number: no application, pass, pre-arrival report or kept vehicle names it.',
    ...(unsearched > 0
      ? {
          unsearched_rows: unsearched,
          unsearched_note:
            'rows stored before names were sealed and not yet upgraded (or sealed under a key no longer held), so not searched by the keyed hash',
        }
      : {}),
    counts,
    applications,
    arrival_reports: arrivalReports,
    vehicles,
    loops,
    scans,
  }
  await deps.store.atomic([
    auditEntry(now, {
      actor: request.actor,
      action: 'personal.export',
      subject: subjectLabel(hashes),
      after: { reason: auditedReason(request.reason), records: counts, unsearched },
    }),
  ])
  return { file, counts, masked: maskIdNumber(request.idNumber), at: now }
}

export interface SubjectEraseCounts {
  applications: number
  arrival_reports: number
  vehicles: number
  scans: number
}

/** Tries before a request whose rows keep changing under it gives up (409). */
const ERASE_ATTEMPTS = 3

/**
 * Erases one person early: removed from every crew that names them (a crew left empty erases
 * the row's personal data, the row staying for the audit; a kept vehicle stays, with what is left
 * of its crew), and the scans of their passes lose their input. Every row is written only if it
 * is still as read (a guard rolls the whole write back otherwise, and it is read again), in one
 * atomic write with its audit entry (`personal.erase`, counts and ids). A second call finds
 * nothing and erases nothing.
 */
export async function eraseSubject(
  deps: Deps,
  request: { idNumber: string; reason: string; actor: string },
): Promise<{ erased: SubjectEraseCounts; unsearched: number }> {
  const unsearched = await upgradeLegacyCrews(deps)
  const hashes = await subjectHashes(deps.config, request.idNumber)
  for (let attempt = 1; ; attempt++) {
    try {
      return { erased: await eraseOnce(deps, hashes, request), unsearched }
    } catch (error) {
      if (!(error instanceof GuardFailed) || attempt >= ERASE_ATTEMPTS) {
        if (error instanceof GuardFailed)
          throw conflict(
            'subject_records_changed',
            'the records changed while they were being erased; try again',
          )
        throw error
      }
    }
  }
}

async function eraseOnce(
  deps: Deps,
  hashes: readonly string[],
  request: { reason: string; actor: string },
): Promise<SubjectEraseCounts> {
  const now = deps.clock()
  const at = now.toISOString()
  const db = deps.store.db
  const found = await findRows(deps, hashes)
  const subject = isSubject(hashes)
  const kept = (crew: string) =>
    (JSON.parse(crew) as AnyStoredCrewMember[]).filter((m) => !subject(m))

  const guards = []
  const writes = []
  for (const [table, rows] of [
    ['applications', found.applications],
    ['arrival_reports', found.arrivalReports],
    ['vehicles', found.vehicles],
  ] as const) {
    // Two parameters a row: 40 rows a guard stay under D1's 100.
    for (let i = 0; i < rows.length; i += 40) {
      const some = rows.slice(i, i + 40)
      guards.push(
        abortUnless(
          sql<SqlBool>`(SELECT count(*) FROM ${sql.table(table)} WHERE ${sql.join(
            some.map((r) => sql`(id = ${r.id} AND crew = ${r.crew})`),
            sql` OR `,
          )}) = ${some.length}`,
          'subject_records_changed',
          'the records changed while they were being erased; try again',
        ),
      )
    }
    for (const row of rows) {
      const left = kept(row.crew)
      if (left.length === 0 && table === 'applications')
        writes.push(eraseApplications(db, { ids: [row.id] }, at).where('crew', '=', row.crew))
      else if (left.length === 0 && table === 'arrival_reports')
        writes.push(eraseArrivalReports(db, { ids: [row.id] }, at).where('crew', '=', row.crew))
      else
        writes.push(
          db
            .updateTable(table)
            .set({ crew: left.length === 0 ? ERASED_CREW : JSON.stringify(left) })
            .where('id', '=', row.id)
            .where('crew', '=', row.crew),
        )
    }
  }
  const scanIds = (await scansOf(deps, found.passNumbers))
    .filter((s) => s.personal_erased_at === null)
    .map((s) => s.id)
  const scanWrites = chunks(scanIds).map((ids) => eraseScanInput(db, { ids }, at))
  // The counts as planned: the guards make every crew write happen as read; a scan erased by
  // retention in the meantime is counted here though retention erased it first.
  const erased: SubjectEraseCounts = {
    applications: found.applications.length,
    arrival_reports: found.arrivalReports.length,
    vehicles: found.vehicles.length,
    scans: scanIds.length,
  }
  await deps.store.atomic([
    ...guards,
    ...writes,
    ...scanWrites,
    auditEntry(now, {
      actor: request.actor,
      action: 'personal.erase',
      subject: subjectLabel(hashes),
      after: {
        reason: auditedReason(request.reason),
        erased,
        application_ids: found.applications.map((r) => r.id),
        arrival_report_ids: found.arrivalReports.map((r) => r.id),
        vehicle_ids: found.vehicles.map((r) => r.id),
      },
    }),
  ])
  return erased
}
