import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.ts'
import { firstRow, precompiled, rows } from '../db/precompiled.ts'
import type { CheckpointKind } from '../checkpoints/checkpoints.table.ts'
import type { PassRow } from '../passes/passes.table.ts'
import { LOOP_COLUMNS, type LoopRow } from '../loops/loops.table.ts'

// The reads of a scan (record-scan.ts), each one statement, compiled once (see `precompiled`).

export interface ScanStart {
  /** The answer stored for this scan id: a retry. */
  stored: string | null
  /** Where the stored scan was made, and the keyed hash of its request. */
  stored_checkpoint: string | null
  stored_hash: string | null
  /** A loop event already has this id (a scan's arrival event takes the scan's id). */
  event_id_taken: number
  code: string | null
  kind: CheckpointKind | null
  station_code: string | null
}

// Always one row, so a stored scan is found even without the checkpoint.
const scanStartQuery = precompiled(['id', 'code'], (db, a: { id: string; code: string }) =>
  sql<ScanStart>`
    SELECT scans.response AS stored, scans.checkpoint_code AS stored_checkpoint, scans.request_hash AS stored_hash,
      EXISTS (SELECT 1 FROM loop_events WHERE loop_events.id = ${a.id}) AS event_id_taken,
      checkpoints.code, checkpoints.kind, checkpoints.station_code
    FROM (SELECT 1) LEFT JOIN scans ON scans.id = ${a.id} LEFT JOIN checkpoints ON checkpoints.code = ${a.code}`.compile(
    db,
  ),
)

/** What every scan starts with: a stored scan of this id, whether a loop event has it, the checkpoint. */
export async function readScanStart(
  db: Kysely<Database>,
  id: string,
  checkpointCode: string,
): Promise<ScanStart> {
  return (await firstRow(db, scanStartQuery({ id, code: checkpointCode })))!
}

export interface PassAndPlate {
  /** The pass as this issuer stored it, with its firm's whitelist state; absent for another issuer's. */
  pass?: {
    status: PassRow['status']
    enterprise_id: string | null
    whitelist_status: string | null
  }
  /** The plate's open loops: its pass loop and one opened by hand (they may be open side by side). */
  passLoop?: LoopRow
  manualLoop?: LoopRow
  /** At an entry: the latest time a pass loop of the plate opened or closed (scan-time.ts `mayOpenLoop`). */
  plateSeenUntil: string | null
  /** What the officer checks and where the truck goes: the pass's places by name, its crew. */
  places: PassPlaces
}

/** A region as a page names it: 浙江省苏州市昆山市, with its risk level. */
export interface NamedRegion {
  name: string
  city_name: string
  province_name: string
  risk_level: string
}

/**
 * The pass's origin and destination by name (a destination is a station code or a region code)
 * and, for this issuer's passes, the crew's names as the application gave them (masked in the
 * answer: scan-answer.ts). Absent what this deployment does not know (another issuer's station).
 */
export interface PassPlaces {
  origin?: NamedRegion
  destinationStation?: string
  destinationRegion?: NamedRegion
  destinationAddress: string | null
  crewNames: string[]
}

type PassAndPlateRow = Partial<LoopRow> & {
  scan_pass_found: number
  scan_pass_status: PassRow['status'] | null
  scan_pass_enterprise_id: string | null
  scan_firm_whitelist_status: string | null
  scan_plate_seen_until: string | null
  scan_origin_name: string | null
  scan_origin_city: string | null
  scan_origin_province: string | null
  scan_origin_risk: string | null
  scan_dest_station: string | null
  scan_dest_name: string | null
  scan_dest_city: string | null
  scan_dest_province: string | null
  scan_dest_risk: string | null
  scan_dest_address: string | null
  scan_crew: string | null
}

// One statement for what a verified pass brings in: the stored pass and its firm, the plate's open
// loops (pass loop first), and at an entry the plate's latest pass loop time; and what the officer
// is shown of the pass — origin and destination by name, the crew's names (primary-key joins, so
// the details cost no statement of their own on this hot path). One row per open loop, or one row
// with no loop.
const passAndPlateQuery = precompiled(
  ['number', 'plate', 'entry', 'origin', 'destination'],
  (
    db,
    a: { number: string | null; plate: string; entry: number; origin: string; destination: string },
  ) =>
    sql<PassAndPlateRow>`
    SELECT loops.*,
      passes.number IS NOT NULL AS scan_pass_found, passes.status AS scan_pass_status,
      passes.enterprise_id AS scan_pass_enterprise_id, enterprises.whitelist_status AS scan_firm_whitelist_status,
      CASE WHEN ${a.entry} THEN (SELECT max(max(opened_at), coalesce(max(closed_at), '')) FROM loops WHERE plate = ${a.plate} AND manual = 0) END AS scan_plate_seen_until,
      origin.name AS scan_origin_name, origin.city_name AS scan_origin_city,
      origin.province_name AS scan_origin_province, origin.risk_level AS scan_origin_risk,
      stations.name AS scan_dest_station, destination.name AS scan_dest_name,
      destination.city_name AS scan_dest_city, destination.province_name AS scan_dest_province,
      destination.risk_level AS scan_dest_risk, passes.destination_address AS scan_dest_address,
      (SELECT json_group_array(coalesce(json_extract(value, '$.name_masked'), json_extract(value, '$.name'))) FROM json_each(applications.crew)) AS scan_crew
    FROM (SELECT 1)
      LEFT JOIN passes ON passes.number = ${a.number}
      LEFT JOIN enterprises ON enterprises.id = passes.enterprise_id
      LEFT JOIN applications ON applications.id = passes.application_id
      LEFT JOIN regions AS origin ON origin.code = ${a.origin}
      LEFT JOIN stations ON stations.code = ${a.destination}
      LEFT JOIN regions AS destination ON destination.code = ${a.destination}
      LEFT JOIN loops ON loops.plate = ${a.plate} AND loops.closed_at IS NULL
    ORDER BY loops.manual`.compile(db),
)

/**
 * The stored pass `number` (null: not this issuer's, nothing to read) and the plate's open loops;
 * `entry`: also the plate's latest pass loop time. The loop is always the pass's plate's, never the
 * plate staff typed.
 */
export async function readPassAndPlate(
  db: Kysely<Database>,
  number: string | null,
  plate: string,
  entry: boolean,
  places: { origin: string; destination: string },
): Promise<PassAndPlate> {
  const found = await rows(
    db,
    passAndPlateQuery({
      number,
      plate,
      entry: entry ? 1 : 0,
      origin: places.origin,
      destination: places.destination,
    }),
  )
  const first = found[0]
  const loops = found.filter((row) => row.id != null).map(asLoop)
  return {
    passLoop: loops.find((l) => l.manual === 0),
    manualLoop: loops.find((l) => l.manual === 1),
    plateSeenUntil: first?.scan_plate_seen_until ?? null,
    places: passPlaces(first),
    ...(first?.scan_pass_found
      ? {
          pass: {
            status: first.scan_pass_status!,
            enterprise_id: first.scan_pass_enterprise_id,
            whitelist_status: first.scan_firm_whitelist_status,
          },
        }
      : {}),
  }
}

function passPlaces(row: PassAndPlateRow | undefined): PassPlaces {
  const region = (
    name: string | null | undefined,
    city: string | null | undefined,
    province: string | null | undefined,
    risk: string | null | undefined,
  ): NamedRegion | undefined =>
    name
      ? { name, city_name: city ?? '', province_name: province ?? '', risk_level: risk ?? '' }
      : undefined
  return {
    origin: region(
      row?.scan_origin_name,
      row?.scan_origin_city,
      row?.scan_origin_province,
      row?.scan_origin_risk,
    ),
    destinationStation: row?.scan_dest_station ?? undefined,
    destinationRegion: region(
      row?.scan_dest_name,
      row?.scan_dest_city,
      row?.scan_dest_province,
      row?.scan_dest_risk,
    ),
    destinationAddress: row?.scan_dest_address ?? null,
    crewNames: row?.scan_crew ? crewNames(row.scan_crew) : [],
  }
}

/**
 * The names only, picked out in SQL (`scan_crew`), masked (a crew stored before names were sealed
 * has them in clear, masked by the answer): the sealed values never leave the database here.
 */
function crewNames(names: string): string[] {
  try {
    return (JSON.parse(names) as unknown[]).map((name) => String(name ?? ''))
  } catch {
    return []
  }
}

// The loop's own columns, picked one by one: an object rest (`{ scan_pass_found, ..., ...loop }`)
// of this wide row cost ~8 µs per loop in V8, a hundred times this.
function asLoop(row: PassAndPlateRow): LoopRow {
  const loop: Record<string, unknown> = {}
  for (const column of LOOP_COLUMNS) loop[column] = row[column]
  return loop as unknown as LoopRow
}

const passByNumber = precompiled(['number'], (db, a: { number: string }) =>
  db.selectFrom('passes').selectAll().where('number', '=', a.number),
)

/** One of this issuer's passes by its number (typed when the QR cannot be read). */
export function findPassByNumber(
  db: Kysely<Database>,
  number: string,
): Promise<PassRow | undefined> {
  return firstRow(db, passByNumber({ number }))
}
