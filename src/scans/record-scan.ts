import { sql } from 'kysely'
import type { Deps, DeviceUse } from '../app-env.ts'
import type { CheckpointKind } from '../checkpoints/checkpoints.table.ts'
import { assertWorksAt, worksAt, type Principal } from '../auth/principal.ts'
import { insertRow } from '../db/precompiled.ts'
import { abortUnless, GuardFailed } from '../db/guard.ts'
import { ApiError, badRequest, conflict } from '../http/errors.ts'
import { auditEntry } from '../audit-log/audit-entry.ts'
import { actorOf } from '../auth/principal.ts'
import { isEntryCheckpoint } from '../checkpoints/checkpoint-kinds.ts'
import type { Verifier } from '../trust/key-resolver.ts'
import { verifyPassToken } from '../passes/pass-token.ts'
import { issuerOf, type PassClaims } from '../passes/pass-payload.ts'
import { normalisePlate, parsePlate } from '../vehicles/plate.ts'
import { maskPersonalText } from '../privacy/personal-data.ts'
import { eventCheckpoints, loopEvents } from '../loops/loops.repository.ts'
import { deviceAudit } from '../loops/ingest-events.ts'
import { involves } from '../loops/involvement.ts'
import { planLoopChange, settleLeftDirty, type StoredEvent } from '../loops/loop-change.ts'
import { writePlan, type PlanResults, type WritePlan } from '../loops/write-plan.ts'
import type { LoopEventRow, LoopRow } from '../loops/loops.table.ts'
import { ensureToken } from '../passes/issue-pass.ts'
import { decideVerdict, type ScanFacts } from './decide-verdict.ts'
import { FUTURE_LIMIT_MS, placeScanTime } from './scan-time.ts'
import { normaliseScanRequest, scanRequestHash, storedRawRequest } from './scan-request.ts'
import {
  findPassByNumber,
  readPassAndPlate,
  readScanStart,
  type PassPlaces,
  type ScanStart,
} from './scans.repository.ts'
import { decideLoopStep, type LoopStep } from './scan-loop-step.ts'
import { scanAnswer, type LoopAnswer, type ScanOutcome, type TrustSource } from './scan-answer.ts'
import { serialOf } from '../trust/status-list.ts'
import { trustFreshness } from '../trust/trust-age.ts'
import { checkReceipt, type ReceiptClaims, type ReceiptStatus } from '../receipts/receipt-token.ts'
import type { ArrivalReportRow } from '../arrivals/arrivals.table.ts'
import { findMatchingReport } from '../arrivals/arrivals.repository.ts'
import {
  liveBookingOf,
  markBookingArrived,
  type LiveBooking,
} from '../stations/station-board.repository.ts'

export interface ScanInput {
  id: string
  token?: string
  /** Typed when the QR cannot be read: this issuer's stored token for that pass is checked. */
  pass_number?: string
  checkpoint_code: string
  observed_plate?: string | null
  scanned_at?: string | null
  /** A test receipt shown beside the pass. */
  receipt?: string | null
}

const RAW_LIMIT = 4096
const NEGATIVE_VALID_MS = 48 * 3_600_000
const FROM_DATABASE: TrustSource = { source: 'database', ageSeconds: 0 }
const NO_REVOCATION_DATA: TrustSource = { source: 'none', ageSeconds: null }

/**
 * One scan at a checkpoint: verify the pass, gather what is known of it, decide, and record it —
 * failed scans too, with the raw input (normalised, personal data masked). At an entry checkpoint
 * a valid scan opens the vehicle's loop (`arrived`); at a transfer station or destination a valid
 * scan records `destination_arrived` on the pass's open loop where it is expected (see
 * `expectsArrival`: else flagged `unexpected_destination`), or flags the vehicle if it has none.
 * The loop is always found by the pass's plate, never the plate staff typed: a typo must not
 * reach another truck's loop.
 *
 * Device time: more than 5 minutes ahead of the server is refused (`scanned_at_in_future`); more
 * than 24 h back is accepted and marked `late`. The scan is decided at its device time, but opens
 * a loop only while its pass is still valid now, a late one only if its device time lies in the
 * pass window itself, and none dated before the plate's latest pass loop opened or closed
 * (scan-time.ts `mayOpenLoop`); else it is answered, flagged `loop_not_opened`, and opens nothing.
 *
 * A repeated scan id answers as the first time, only to an account working at that scan's
 * checkpoint (else 403 `checkpoint_not_yours`) and only for the same request (else 409 `id_reused`);
 * an id a loop event already has is 409 `id_reused` too.
 *
 * A manual loop (opened by plate, no pass) and the pass's loop are two loops: any checkpoint may
 * open a manual loop, so a pass never joins one (it would take on whatever was recorded there) and
 * one never holds a pass. The scan shows it as a warning (`manual_loop_open`, `manual_loop` with its
 * id and checkpoint) and goes on in the pass's own loop.
 *
 * The open loop is named in the answer (`loop`) only to staff it involves (involvement.ts), as a
 * read of it would be.
 *
 * A valid test receipt turns `sample_then_release` into `release` (不得重复检测) and is recorded on
 * the loop as `certificate_checked`; a bad one is reported but never blocks a valid pass.
 * A matching pre-arrival report is shown, and marked arrived when the loop opens.
 *
 * Revocation: this issuer's own pass by its row here (current: `trust.source` `database`); another
 * issuer's by the status list last fetched from that issuer (trust/key-resolver.ts `revocation`):
 * its serial set there is `revoked`, and the list's age (since `fetched_at`) gives the verdict its
 * `trustFreshness` — past TRUST_WARN_AGE a warning, past TRUST_MAX_AGE `trust_data_stale` and never
 * `release`. No list held for that issuer: its revocations are unknown (`trust.source` `none`).
 * Returns the answer as JSON text: the very text stored with the scan.
 *
 * `device`: the enrolled scanner that signed the request (devices/device-check.ts), recorded on
 * the scan, its loop events and its audit entry, with its `review` mark if it has one.
 *
 * Read top to bottom as a check-in: gather the facts → `decideVerdict` → `decideLoopStep` →
 * `planScanWrites` → `scanAnswer`, stored with the scan in the same atomic write.
 */
export async function recordScan(
  deps: Deps,
  verifier: Verifier,
  principal: Principal,
  input: ScanInput,
  device: DeviceUse | null = null,
  attempt = 0,
): Promise<string> {
  const request = normaliseScanRequest(input)
  const [start, requestHash] = await Promise.all([
    readScanStart(deps.store.db, input.id, input.checkpoint_code),
    scanRequestHash(deps.config.DATA_KEY, request),
  ])
  if (start.stored !== null) return storedAnswer(principal, input.id, start, requestHash)
  const scan = checkScanRequest(deps, principal, input, start, device)

  const gathered = await gatherScanFacts(deps, verifier, input, scan)
  const decision = decideVerdict(gathered.facts)
  // Named fields before the spreads (no key is in both): V8 builds `{ ...a, ...b, c }` ~40×
  // slower than `{ c, ...a, ...b }`, and these two objects are made on every scan.
  const { step, flags } = decideLoopStep({
    verdict: decision.verdict,
    skewMs: deps.config.CLOCK_SKEW_SECONDS * 1000,
    ...scan,
    ...gathered,
  })
  const { plan, loop } = planScanWrites(deps, principal, scan, gathered, step)
  const outcome: ScanOutcome = {
    decision,
    flags,
    passStatus: gathered.facts.passStatus,
    reportArrived: step === 'open' && gathered.report !== undefined,
    loop,
    ...scan,
    ...gathered,
  }
  // Stored with the scan, so a retry after a lost answer gets the same answer in full; and sent as is.
  const answer = JSON.stringify(scanAnswer(outcome))
  plan.add(
    'scan',
    scanRecord(deps, principal, scan, outcome, {
      answer,
      raw: storedRawRequest(request, RAW_LIMIT),
      requestHash,
    }),
  )

  let results: PlanResults
  try {
    results = await plan.run(deps.store)
  } catch (error) {
    // A concurrent scan of the same vehicle opened its loop first, a loop of the plate opened or
    // closed after this scan's time, a coordinator closed the loop, or the same id was stored a
    // moment ago (as a scan or a loop event): decide again against what is there now — the
    // first read then finds a stored scan or a taken event id.
    const failure = constraintFailure(error)
    if (attempt === 0 && (error instanceof GuardFailed || failure))
      return recordScan(deps, verifier, principal, input, device, 1)
    if (failure === 'id') throw idReused(input.id)
    throw error
  }
  // An arrival at the destination updated a stored loop that an upload may have raced.
  await settleLeftDirty(deps, results)
  return answer
}

/** Where and when a scan was made, as the server reads the request. */
interface ScanContext {
  id: string
  checkpoint: { code: string; kind: CheckpointKind; stationCode: string | null }
  entry: boolean
  scannedAt: Date
  now: Date
  late: boolean
  /** The plate staff typed; one that does not parse is kept only masked (a phone number, say). */
  observedPlate: string | null
  /** The scanner device that signed it, if one did. */
  device: DeviceUse | null
}

/** The request's checks before anything is gathered: the caller's checkpoint, the id, the time. */
function checkScanRequest(
  deps: Deps,
  principal: Principal,
  input: ScanInput,
  start: ScanStart,
  device: DeviceUse | null,
): ScanContext {
  assertWorksAt(principal, input.checkpoint_code)
  if (start.event_id_taken) throw idReused(input.id)
  if (!start.code || !start.kind) {
    throw badRequest('unknown_checkpoint', `no checkpoint ${input.checkpoint_code}`, [
      { field: 'checkpoint_code', message: 'no such checkpoint' },
    ])
  }
  const now = deps.clock()
  const scannedAt = input.scanned_at ? new Date(input.scanned_at) : now
  const timing = placeScanTime(scannedAt, now)
  if (timing === 'future') {
    throw badRequest(
      'scanned_at_in_future',
      `scanned_at is more than ${FUTURE_LIMIT_MS / 60_000} minutes ahead of the server clock: check the date, time and time zone of the phone, then scan again`,
      [{ field: 'scanned_at', message: 'ahead of the server clock' }],
    )
  }
  return {
    id: input.id,
    checkpoint: { code: start.code, kind: start.kind, stationCode: start.station_code },
    entry: isEntryCheckpoint(start.kind),
    scannedAt,
    now,
    late: timing === 'late',
    observedPlate: input.observed_plate
      ? (parsePlate(input.observed_plate) ?? maskPersonalText(normalisePlate(input.observed_plate)))
      : null,
    device,
  }
}

/** What the scan learnt: the verdict's facts and what the writes and the answer need. */
interface GatheredFacts {
  facts: ScanFacts
  claims?: PassClaims
  enterpriseId: string | null
  passLoop?: LoopRow
  manualLoop?: LoopRow
  plateSeenUntil: string | null
  /** The pass loop's stored events, read where the scan may attach to it (not at an entry). */
  passLoopEvents: StoredEvent[]
  /** The checkpoints that recorded an event on the pass loop (involvement.ts). */
  passLoopCheckpoints: string[]
  receipt?: { status: ReceiptStatus; claims?: ReceiptClaims }
  report?: ArrivalReportRow
  /** The pass's places by name and its crew's names, for the officer (scan-answer.ts). */
  places?: PassPlaces
  /** Until when the known negative result holds (48 h after its sample), if one is known. */
  negativeValidUntil?: Date
  /** Where the revocation data behind the verdict came from, and its age. */
  trust: TrustSource
  /** At a station's checkpoint: the pass's live booking there (null: none); else undefined. */
  stationBooking: LiveBooking | null | undefined
}

/** Verifies the pass and the receipt, and reads the pass, the plate's loops and the report. */
async function gatherScanFacts(
  deps: Deps,
  verifier: Verifier,
  input: ScanInput,
  scan: ScanContext,
): Promise<GatheredFacts> {
  const { config } = deps
  const db = deps.store.db
  const token = input.token ?? (await passTokenByNumber(deps, input.pass_number ?? ''))
  const checked = await verifyPassToken(
    token,
    verifier.resolveKey,
    scan.scannedAt,
    config.CLOCK_SKEW_SECONDS * 1000,
    verifier.check,
  )
  const gathered: GatheredFacts = {
    facts: {},
    enterpriseId: null,
    plateSeenUntil: null,
    passLoopEvents: [],
    passLoopCheckpoints: [],
    places: undefined,
    negativeValidUntil: undefined,
    trust: NO_REVOCATION_DATA,
    stationBooking: undefined,
  }
  const { facts } = gathered
  if (!checked.ok) facts.tokenProblem = checked.problem
  else {
    const claims = (gathered.claims = checked.claims)
    facts.window = checked.window
    facts.passPlate = claims.plate
    facts.observedPlate = scan.observedPlate
    const issuer = issuerOf(claims.number)
    const ownPass = issuer === config.ISSUER_CODE
    // Another issuer's revocations (one cached lookup), read while the plate's loops are; own
    // passes read nothing more.
    const heldList = ownPass ? undefined : verifier.revocation(issuer)
    // At a station's checkpoint only: the pass's booking there, read beside the plate's loops.
    const stationCode =
      scan.checkpoint.kind === 'transfer_station' ? scan.checkpoint.stationCode : null
    const booking = stationCode ? liveBookingOf(db, claims.number, stationCode) : undefined
    const found = await readPassAndPlate(
      db,
      ownPass ? claims.number : null,
      claims.plate,
      scan.entry,
      { origin: claims.origin, destination: claims.destination },
    )
    gathered.places = found.places
    if (booking) gathered.stationBooking = await booking
    if (found.pass) {
      facts.passStatus = found.pass.status
      gathered.enterpriseId = found.pass.enterprise_id
      facts.enterpriseWhitelisted = found.pass.whitelist_status === 'active'
    }
    if (ownPass) gathered.trust = FROM_DATABASE
    else {
      const held = await heldList
      if (held) {
        const serial = serialOf(claims.number)
        // The list has one bit for revoked or superseded: either way the pass no longer holds.
        if (serial !== null && held.list.isInvalid(serial)) facts.passStatus = 'revoked'
        const age = Math.max(0, Math.floor((scan.now.getTime() - held.fetchedAt.getTime()) / 1000))
        facts.trustFreshness = trustFreshness(age, {
          warnSeconds: config.TRUST_WARN_AGE,
          maxSeconds: config.TRUST_MAX_AGE,
        })
        gathered.trust = { source: 'status_list', ageSeconds: age }
      }
    }
    gathered.passLoop = found.passLoop
    gathered.manualLoop = found.manualLoop
    gathered.plateSeenUntil = found.plateSeenUntil
    facts.manualLoopOpen = found.manualLoop !== undefined
    if (scan.entry) facts.loopAlreadyOpen = found.passLoop !== undefined
    const passLoop = found.passLoop
    if (passLoop && scan.entry)
      gathered.passLoopCheckpoints = await eventCheckpoints(db, passLoop.id)
    else if (passLoop) {
      gathered.passLoopEvents = await loopEvents(db, passLoop.id)
      gathered.passLoopCheckpoints = gathered.passLoopEvents.map((e) => e.checkpoint_code)
      // Only the pass's own loop vouches for a result: anyone may write to a loop opened by hand.
      if (passLoop.negative_since) {
        const until = Date.parse(passLoop.negative_since) + NEGATIVE_VALID_MS
        facts.recentNegative = scan.scannedAt.getTime() < until
        if (facts.recentNegative) gathered.negativeValidUntil = new Date(until)
      }
    }
  }
  const plate = gathered.claims?.plate ?? scan.observedPlate
  if (input.receipt) {
    gathered.receipt = await checkReceipt(
      input.receipt,
      verifier.resolveKey,
      plate ?? '',
      scan.scannedAt,
      verifier.check,
    )
    if (gathered.receipt.status === 'valid') {
      facts.recentNegative = true
      gathered.negativeValidUntil =
        gathered.receipt.claims?.expiresAt ?? gathered.negativeValidUntil
    }
  }
  if (scan.entry && plate) {
    gathered.report = await findMatchingReport(db, plate, scan.checkpoint.code, scan.scannedAt, {
      passNumber: gathered.claims?.number ?? null,
      enterpriseId: gathered.enterpriseId,
    })
  }
  return gathered
}

/**
 * The writes of a scan's loop step: a new loop with its `arrived` event (and the receipt shown, as
 * `certificate_checked`) and the pre-arrival report marked arrived, guarded against a loop of the
 * plate opened or closed since the read; or `destination_arrived` on the pass loop. Each folded
 * with the loop's events, so the projection commits with them. Also the loop the answer names.
 */
function planScanWrites(
  deps: Deps,
  principal: Principal,
  scan: ScanContext,
  gathered: GatheredFacts,
  step: LoopStep,
): { plan: WritePlan; loop?: LoopAnswer } {
  const plan = writePlan()
  const { claims, passLoop } = gathered
  if (step === 'none') {
    // loop_open, or a scan that may not attach: point staff at the loop only if it is theirs.
    const named = passLoop && involves(principal, passLoop, gathered.passLoopCheckpoints)
    return {
      plan,
      loop: named
        ? { id: passLoop.id, state: passLoop.state, alerting: passLoop.alerting === 1 }
        : undefined,
    }
  }
  const actor = actorOf(principal)
  const at = scan.scannedAt.toISOString()
  const loop =
    step === 'open'
      ? newLoop(
          claims!,
          gathered.enterpriseId,
          scan.checkpoint.code,
          scan.scannedAt,
          scan.now,
          actor,
        )
      : passLoop!
  const event = (
    kind: LoopEventRow['kind'],
    id: string,
    data: Record<string, unknown>,
  ): LoopEventRow => ({
    id,
    loop_id: loop.id,
    kind,
    at,
    checkpoint_code: scan.checkpoint.code,
    data: JSON.stringify(data),
    recorded_by: actor,
    received_at: scan.now.toISOString(),
    flag: null,
    device_id: scan.device?.id ?? null,
    device_review: scan.device?.review ?? null,
  })
  const added = [
    event(step === 'open' ? 'arrived' : 'destination_arrived', scan.id, {
      scan_id: scan.id,
      pass_number: claims!.number,
    }),
  ]
  const receipt = gathered.receipt
  if (step === 'open' && receipt?.status === 'valid' && receipt.claims) {
    const r = receipt.claims
    added.push(
      event('certificate_checked', crypto.randomUUID(), {
        receipt: true,
        test: r.test,
        sampled_at: r.sampledAt.toISOString(),
        issuer: r.issuer,
        scan_id: scan.id,
      }),
    )
  }
  if (step === 'open') {
    // A loop of the plate opened or closed after this scan's time since it was read: decide again.
    plan.add('guard', [
      abortUnless(
        sql`NOT EXISTS (SELECT 1 FROM loops WHERE plate = ${claims!.plate} AND manual = 0 AND (opened_at > ${at} OR closed_at > ${at}))`,
        'loop_changed',
        'the vehicle’s loop changed while the scan was recorded; scan again',
      ),
    ])
  }
  const planned = planLoopChange(deps, plan, {
    loop,
    stored: gathered.passLoopEvents,
    added,
    fresh: step === 'open',
  })
  const report = gathered.report
  if (step === 'open' && report) {
    plan.add('report', [
      deps.store.db
        .updateTable('arrival_reports')
        .set({ arrived_at: at, arrived_loop_id: loop.id, arrived_scan_id: scan.id })
        .where('id', '=', report.id)
        .where('arrived_at', 'is', null),
    ])
  }
  // The truck came to its booked station: the booking is marked arrived in the scan's own write.
  if (gathered.stationBooking) {
    plan.add('booking', [
      markBookingArrived(gathered.stationBooking.id, loop.id, at, scan.now.toISOString()),
    ])
  }
  return { plan, loop: { id: loop.id, state: planned.state, alerting: planned.alerting } }
}

/** The scan row and its audit entry. */
function scanRecord(
  deps: Deps,
  principal: Principal,
  scan: ScanContext,
  o: ScanOutcome,
  stored: { answer: string; raw: string; requestHash: string },
) {
  const { decision, claims } = o
  const loopId = o.loop?.id ?? null
  return [
    insertRow('scans', {
      id: o.id,
      checkpoint_code: o.checkpoint.code,
      account_id: principal.accountId,
      scanned_at: o.scannedAt.toISOString(),
      received_at: o.now.toISOString(),
      pass_number: claims?.number ?? null,
      plate: claims?.plate ?? null,
      observed_plate: scan.observedPlate,
      enterprise_id: o.enterpriseId,
      verdict: decision.verdict,
      reasons: JSON.stringify(decision.reasons),
      action: decision.action,
      loop_id: loopId,
      // Kept for auditors: normalised, with anything that looks like an ID or phone number masked.
      raw: stored.raw,
      response: stored.answer,
      late: o.late ? 1 : 0,
      request_hash: stored.requestHash,
      device_id: scan.device?.id ?? null,
      device_review: scan.device?.review ?? null,
    }),
    auditEntry(o.now, {
      actor: actorOf(principal),
      action: 'scan',
      subject: `scan:${o.id}`,
      after: {
        checkpoint: o.checkpoint.code,
        pass_number: claims?.number ?? null,
        verdict: decision.verdict,
        reasons: decision.reasons,
        loop_id: loopId,
        ...(o.flags.length ? { flags: o.flags } : {}),
        ...(o.late ? { late: o.late } : {}),
        ...(scan.device ? deviceAudit(scan.device) : {}),
      },
    }),
  ]
}

const idReused = (id: string) =>
  conflict(
    'id_reused',
    `id ${id} was already used for a different scan or loop event: send this scan with a new id`,
  )

/**
 * Which constraint a failed write broke, by SQLite's extended result code (better-sqlite3 sets
 * `code`; the D1 store sets it alike from D1's message): a primary key (an id the client chose,
 * stored meanwhile), a unique index (the plate's open loop, opened meanwhile), or one the driver
 * could not tell (left to the retry's first read).
 */
export function constraintFailure(error: unknown): 'id' | 'unique' | 'constraint' | undefined {
  const code = (error as { code?: unknown } | null)?.code
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'id'
  if (code === 'SQLITE_CONSTRAINT_UNIQUE') return 'unique'
  if (code === 'SQLITE_CONSTRAINT') return 'constraint'
  return undefined
}

/**
 * The stored answer of a repeated scan id: only for an account that works at the checkpoint the
 * scan was made at, and only for the same request. Another request under a used id is refused, so
 * a device never takes a stored answer for the scan it just made. Scans stored before requests
 * were hashed are compared by checkpoint only.
 */
function storedAnswer(
  principal: Principal,
  id: string,
  found: ScanStart,
  requestHash: string,
): string {
  if (!worksAt(principal, found.stored_checkpoint ?? '')) {
    throw new ApiError(
      403,
      'checkpoint_not_yours',
      `scan ${id} was made at a checkpoint your account does not work at`,
    )
  }
  if (found.stored_hash !== null && found.stored_hash !== requestHash) {
    throw conflict(
      'id_reused',
      `scan id ${id} was already used for a different scan: send this scan with a new id`,
    )
  }
  return found.stored!
}

/**
 * The token of one of this issuer's passes, or '' (answered as `malformed`) if there is none. A
 * pass whose token was not stored yet (a crash right after approval) gets it now.
 */
async function passTokenByNumber(deps: Deps, number: string): Promise<string> {
  const row = await findPassByNumber(deps.store.db, number)
  return row ? ((await ensureToken(deps, row)).token ?? '') : ''
}

function newLoop(
  claims: PassClaims,
  enterpriseId: string | null,
  checkpointCode: string,
  at: Date,
  now: Date,
  actor: string,
): LoopRow {
  return {
    id: crypto.randomUUID(),
    plate: claims.plate,
    pass_number: claims.number,
    enterprise_id: enterpriseId,
    entry_checkpoint_code: checkpointCode,
    opened_at: at.toISOString(),
    opened_by: actor,
    manual: 0,
    state: 'arrived',
    alerting: 0,
    sampled_at: null,
    pcr_result: null,
    released_at: null,
    release_deadline: null,
    destination_code: null,
    destination_arrived_at: null,
    last_checkpoint_code: checkpointCode,
    negative_since: null,
    result_due_at: null,
    destination_due_at: null,
    flagged_events: 0,
    closed_at: null,
    closed_note: null,
    closed_by: null,
    dirty: 1,
    updated_at: now.toISOString(),
  }
}
