// Realistic data for the benchmark, bulk-loaded straight into SQLite with better-sqlite3 prepared
// statements inside big transactions (never through HTTP). Loop projections are computed with the
// service's own fold (src/loops/fold.ts) and alert rules (src/loops/due-alerts.ts), so the rows
// look exactly like ones the service wrote itself: `dirty = 0`, every due alert present, so the
// server's sweep finds nothing to do.
import type Sqlite from 'better-sqlite3'
import { foldLoop, type EventKind, type LoopEvent } from '../../src/loops/fold.ts'
import { dueAlerts } from '../../src/loops/due-alerts.ts'
import type { AlertKind } from '../../src/alerts/alerts.table.ts'
import { loopProjection } from '../../src/loops/loop-change.ts'
import { LOOP_COLUMNS } from '../../src/loops/loops.table.ts'
import { involvedCheckpoints } from '../../src/loops/involvement.ts'
import { usccCheckCharacter } from '../../src/enterprises/uscc.ts'
import { residentIdCheckCharacter } from '../../src/applications/resident-id.ts'
import { PROVINCE_CHARACTERS } from '../../src/vehicles/plate.ts'
import { encryptPersonal, maskPhone } from '../../src/privacy/personal-data.ts'
import { sealCrew } from '../../src/applications/applications.repository.ts'

export const MINUTE = 60_000
export const HOUR = 3_600_000
export const DAY = 86_400_000

/** Plate letters (GA 36 never uses I or O). */
export const LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ'
const OTHER_PROVINCES = [...PROVINCE_CHARACTERS].filter((c) => c !== '浙')

/** `浙A00042`: a province character and letter, then five digits (n < 100,000). */
export function simplePlate(prefix: string, n: number): string {
  if (n < 0 || n >= 100_000) throw new RangeError(`plate number ${n} out of range for ${prefix}`)
  return prefix + String(n).padStart(5, '0')
}

/** One plate per fleet vehicle, outside Zhejiang (浙 plates are kept for the scan pools). */
export function fleetPlate(v: number): string {
  const province = OTHER_PROVINCES[v % OTHER_PROVINCES.length]
  const rest = Math.floor(v / OTHER_PROVINCES.length)
  return (
    province +
    LETTERS[rest % LETTERS.length] +
    String(Math.floor(rest / LETTERS.length) % 100_000).padStart(5, '0')
  )
}

/** Unique plates in a namespace: `浙D00000`, `浙D00001`, … then `浙E…`. */
export function plateSequence(letters: string) {
  let n = 0
  return () => {
    const letter = letters[Math.floor(n / 100_000)]
    if (!letter) throw new RangeError('plate namespace exhausted')
    return simplePlate('浙' + letter, n++ % 100_000)
  }
}

export function uscc(n: number): string {
  const first17 = '91330109BE' + String(n).padStart(7, '0')
  return first17 + usccCheckCharacter(first17)
}

export function residentId(n: number): string {
  const first17 = `33010919${70 + (n % 30)}0${1 + (n % 9)}1${n % 10}${String(n % 1000).padStart(3, '0')}`
  return first17 + residentIdCheckCharacter(first17)
}

export const phone = (n: number) => `139${String(n % 100_000_000).padStart(8, '0')}`

export function prepareInsert(db: Sqlite.Database, table: string, columns: readonly string[]) {
  const statement = db.prepare(
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
  )
  return (row: Record<string, unknown>) => statement.run(...columns.map((c) => row[c] ?? null))
}

/**
 * Runs a bulk load with the secondary indexes of `tables` dropped, then re-creates them from their
 * own CREATE statements (so the schema ends exactly as the migrations made it; a unique index that
 * the data broke would fail here). Sorting once is much faster than updating a dozen B-trees per row.
 */
export function withoutIndexes<T>(
  db: Sqlite.Database,
  tables: string[],
  load: () => T,
): { result: T; reindexSeconds: number } {
  const indexes = db
    .prepare(
      `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${tables.map(() => '?').join(', ')})`,
    )
    .all(...tables) as { name: string; sql: string }[]
  for (const index of indexes) db.exec(`DROP INDEX ${index.name}`)
  const result = load()
  const started = performance.now()
  db.transaction(() => {
    for (const index of indexes) db.exec(index.sql)
  })()
  return { result, reindexSeconds: (performance.now() - started) / 1000 }
}

/** Pragmas for a bulk load on a connection nobody else writes through meanwhile. */
export function bulkPragmas(db: Sqlite.Database) {
  db.pragma('synchronous = OFF')
  db.pragma('cache_size = -2000000') // 2 GB
  db.pragma('temp_store = MEMORY')
}

/** A handful of sealed crews (AES-GCM personal data, like the service stores them), reused round-robin. */
export async function sealedCrews(dataKey: string, count: number): Promise<string[]> {
  const crews: string[] = []
  for (let i = 0; i < count; i++) {
    const members = [{ name: `司机${i}`, id_number: residentId(i * 2), phone: phone(i * 2) }]
    if (i % 3 === 0)
      members.push({
        name: `押运员${i}`,
        id_number: residentId(i * 2 + 1),
        phone: phone(i * 2 + 1),
      })
    crews.push(JSON.stringify(await sealCrew(dataKey, members)))
  }
  return crews
}

/** More whitelisted firms beside the demo ones, so one firm's audit report is one firm's share. */
export async function insertEnterprises(
  db: Sqlite.Database,
  dataKey: string,
  count: number,
  at: string,
): Promise<string[]> {
  const phoneEnc = await encryptPersonal(dataKey, '13905710000')
  const insertFirm = prepareInsert(db, 'enterprises', [
    'id',
    'uscc',
    'name',
    'contact_name',
    'contact_phone_enc',
    'contact_phone_masked',
    'region_code',
    'whitelist_status',
    'whitelist_level',
    'created_at',
  ])
  const insertDecision = prepareInsert(db, 'whitelist_decisions', [
    'enterprise_id',
    'previous_status',
    'previous_level',
    'status',
    'level',
    'reason',
    'actor',
    'at',
  ])
  const ids: string[] = []
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const id = `bench-ent-${String(i).padStart(4, '0')}`
      ids.push(id)
      insertFirm({
        id,
        uscc: uscc(i),
        name: `基准物流第${i}有限公司`,
        contact_name: '李经理',
        contact_phone_enc: phoneEnc,
        contact_phone_masked: maskPhone('13905710000'),
        region_code: '330109',
        whitelist_status: 'active',
        whitelist_level: 'municipal',
        created_at: at,
      })
      insertDecision({
        enterprise_id: id,
        previous_status: null,
        previous_level: null,
        status: 'pending',
        level: null,
        reason: 'registered',
        actor: 'system',
        at,
      })
      insertDecision({
        enterprise_id: id,
        previous_status: 'pending',
        previous_level: null,
        status: 'active',
        level: 'municipal',
        reason: '保供企业 (bench)',
        actor: 'coordinator:bench',
        at,
      })
    }
  })()
  return ids
}

export interface PassSpec {
  serial: number
  plate: string
  enterpriseId: string
  origin: string
  /** A station code, or null for the firm's own site in `destinationRegion`. */
  station: string | null
  destinationRegion: string
  validFrom: Date
  validUntil: Date
  issuedAt: Date
  kid: string
  token: string | null
  crew: string
  /** Default `active`; older passes of a vehicle were superseded by its newer ones. */
  status?: 'active' | 'superseded'
}

export const ROUTES = [
  { origin: '310115', station: 'HZ-XS-01', destinationRegion: '330109' }, // high risk: to a transfer station
  { origin: '320583', station: null, destinationRegion: '330108' }, // medium risk: to the firm's site
]

/** An approved application and its pass, as `issuePass` leaves them. */
export function passWriter(db: Sqlite.Database, issuer: string) {
  const insertApp = prepareInsert(db, 'applications', [
    'id',
    'enterprise_id',
    'plate',
    'crew',
    'cargo_category',
    'origin_region_code',
    'destination_station_code',
    'destination_region_code',
    'destination_address',
    'route',
    'valid_from',
    'valid_until',
    'status',
    'decision_reason',
    'decided_by',
    'decided_at',
    'pass_number',
    'created_by',
    'created_at',
  ])
  const insertPass = prepareInsert(db, 'passes', [
    'number',
    'issuer_code',
    'serial',
    'application_id',
    'enterprise_id',
    'plate',
    'cargo_category',
    'origin_region_code',
    'destination_station_code',
    'destination_region_code',
    'destination_address',
    'route',
    'valid_from',
    'valid_until',
    'status',
    'status_reason',
    'status_changed_at',
    'kid',
    'token',
    'issued_by',
    'issued_at',
  ])
  return (p: PassSpec): string => {
    const number = issuer + String(p.serial).padStart(6, '0')
    const appId = crypto.randomUUID()
    const common = {
      enterprise_id: p.enterpriseId,
      plate: p.plate,
      cargo_category: p.serial % 3 === 0 ? 'medical' : 'daily_necessities',
      origin_region_code: p.origin,
      destination_station_code: p.station,
      destination_region_code: p.destinationRegion,
      destination_address: p.station ? null : '滨江物流园 3 号库',
      route: 'G60 沪昆高速 → 萧山出口',
      valid_from: p.validFrom.toISOString(),
      valid_until: p.validUntil.toISOString(),
    }
    const created = new Date(p.issuedAt.getTime() - 2 * HOUR).toISOString()
    insertApp({
      ...common,
      id: appId,
      crew: p.crew,
      status: 'approved',
      decided_by: 'coordinator:bench',
      decided_at: p.issuedAt.toISOString(),
      pass_number: number,
      created_by: 'bench',
      created_at: created,
    })
    const status = p.status ?? 'active'
    insertPass({
      ...common,
      number,
      issuer_code: issuer,
      serial: p.serial,
      application_id: appId,
      status,
      status_reason: status === 'superseded' ? 'replaced by a newer pass (bench)' : null,
      status_changed_at: status === 'superseded' ? p.validUntil.toISOString() : null,
      kid: p.kid,
      token: p.token,
      issued_by: 'coordinator:bench',
      issued_at: p.issuedAt.toISOString(),
    })
    return number
  }
}

export interface EventSpec {
  kind: EventKind
  at: Date
  checkpoint: string
  data?: Record<string, unknown>
}

export interface AlertSpec {
  kind: AlertKind
  openedAt: Date
  status: 'open' | 'acknowledged' | 'resolved'
  resolvedAt?: Date
}

export interface LoopSpec {
  id?: string
  plate: string
  passNumber: string | null
  enterpriseId: string | null
  entry: string
  events: EventSpec[]
  alerts?: AlertSpec[]
  /** A coordinator closed it by hand (a stale or positive loop). */
  manualClose?: { at: Date; note: string }
}

export interface LoopLimits {
  releaseHours: number
  resultOverdueHours: number
}

/**
 * Writes loops with their events and alerts. Events later than `now` are dropped (they have not
 * happened yet); the projection is the service's own fold; every alert due at `now` on an open
 * loop is present (status open unless the spec says otherwise).
 */
export function loopWriter(db: Sqlite.Database, limits: LoopLimits) {
  const insertLoop = prepareInsert(db, 'loops', LOOP_COLUMNS)
  const insertEvent = prepareInsert(db, 'loop_events', [
    'id',
    'loop_id',
    'kind',
    'at',
    'checkpoint_code',
    'data',
    'recorded_by',
    'received_at',
    'flag',
  ])
  const insertInvolved = prepareInsert(db, 'loop_checkpoints', [
    'loop_id',
    'checkpoint_code',
    'opened_at',
    'open',
  ])
  const insertAlert = prepareInsert(db, 'alerts', [
    'id',
    'loop_id',
    'enterprise_id',
    'kind',
    'status',
    'opened_at',
    'details',
    'acknowledged_by',
    'acknowledged_at',
    'resolved_by',
    'resolved_at',
    'note',
  ])
  const alertLimits = { resultOverdueHours: limits.resultOverdueHours }
  let events = 0
  let alerts = 0

  function write(spec: LoopSpec, now: Date): { open: boolean; state: string } {
    const id = spec.id ?? crypto.randomUUID()
    const nowMs = now.getTime()
    const happened = spec.events.filter((e) => e.at.getTime() <= nowMs)
    const rows = happened.map((e, seq) => {
      const data =
        e.kind === 'arrived' || e.kind === 'destination_arrived'
          ? { scan_id: crypto.randomUUID(), pass_number: spec.passNumber, ...e.data }
          : (e.data ?? null)
      return {
        id: crypto.randomUUID(),
        kind: e.kind,
        at: e.at.toISOString(),
        checkpoint_code: e.checkpoint,
        data,
        seq,
      }
    })
    const facts = foldLoop(rows as LoopEvent[], limits.releaseHours)
    const flags = new Map(facts.flags.map((f) => [f.eventId, f.reason]))
    const manual =
      spec.manualClose && spec.manualClose.at.getTime() <= nowMs ? spec.manualClose : undefined
    const closedAt = manual ? manual.at.toISOString() : facts.closedAt
    // An alert resolved later than `now` is still open now.
    const alertRows = (spec.alerts ?? [])
      .filter((a) => a.openedAt.getTime() <= nowMs)
      .map((a) =>
        a.status === 'resolved' && a.resolvedAt && a.resolvedAt.getTime() > nowMs
          ? { ...a, status: 'open' as const, resolvedAt: undefined }
          : a,
      )
    if (!closedAt) {
      for (const kind of dueAlerts(facts, now, alertLimits)) {
        if (!alertRows.some((a) => a.kind === kind))
          alertRows.push({ kind, openedAt: now, status: 'open' })
      }
    }
    const opened = rows[0]?.at ?? now.toISOString()
    const closed = {
      closed_by: manual ? 'coordinator:coordinator' : null,
      closed_at: manual ? manual.at.toISOString() : null,
    }
    const projection = loopProjection(
      { ...closed, entry_checkpoint_code: spec.entry },
      facts,
      alertLimits,
      rows.at(-1)?.at ?? opened,
    )
    const lastCheckpoint = projection.last_checkpoint_code
    insertLoop({
      id,
      plate: spec.plate,
      pass_number: spec.passNumber,
      enterprise_id: spec.enterpriseId,
      entry_checkpoint_code: spec.entry,
      opened_at: opened,
      opened_by: 'checkpoint:checkpoint',
      manual: 0,
      alerting: alertRows.some((a) => a.status !== 'resolved') ? 1 : 0,
      ...projection,
      closed_by: closed.closed_by,
      closed_note: manual?.note ?? null,
      dirty: 0,
    })
    // Who the loop involves, as the service's projection records it (checkpoint staff's lists).
    for (const code of involvedCheckpoints(
      { entry_checkpoint_code: spec.entry, destination_code: facts.destinationCode },
      rows.map((r) => r.checkpoint_code),
    )) {
      insertInvolved({
        loop_id: id,
        checkpoint_code: code,
        opened_at: opened,
        open: closedAt ? 0 : 1,
      })
    }
    for (const r of rows) {
      insertEvent({
        id: r.id,
        loop_id: id,
        kind: r.kind,
        at: r.at,
        checkpoint_code: r.checkpoint_code,
        data: r.data ? JSON.stringify(r.data) : null,
        recorded_by: 'checkpoint:checkpoint',
        received_at: new Date(Date.parse(r.at) + 2_000).toISOString(),
        flag: flags.get(r.id) ?? null,
      })
    }
    events += rows.length
    for (const a of alertRows) {
      const details = {
        plate: spec.plate,
        pass_number: spec.passNumber,
        enterprise_id: spec.enterpriseId,
        notify: [...new Set([facts.destinationCode, lastCheckpoint].filter(Boolean))],
        tube_code: facts.tubeCode,
        ...(a.kind === 'result_overdue' ? { sampled_at: facts.sampledAt } : {}),
        ...(a.kind === 'destination_overdue'
          ? { deadline: facts.releaseDeadline, destination_code: facts.destinationCode }
          : {}),
      }
      const resolved = a.status === 'resolved'
      insertAlert({
        id: crypto.randomUUID(),
        loop_id: id,
        enterprise_id: spec.enterpriseId,
        kind: a.kind,
        status: a.status,
        opened_at: a.openedAt.toISOString(),
        details: JSON.stringify(details),
        acknowledged_by: a.status === 'acknowledged' ? 'coordinator:coordinator' : null,
        acknowledged_at:
          a.status === 'acknowledged'
            ? new Date(a.openedAt.getTime() + 10 * MINUTE).toISOString()
            : null,
        resolved_by: resolved ? 'coordinator:coordinator' : null,
        resolved_at: resolved
          ? (a.resolvedAt ?? new Date(a.openedAt.getTime() + 3 * HOUR)).toISOString()
          : null,
        note: resolved ? '已联系司机并复核 (bench)' : null,
      })
    }
    alerts += alertRows.length
    return { open: closedAt === null, state: manual ? 'closed' : facts.state }
  }
  return { write, counts: () => ({ events, alerts }) }
}
