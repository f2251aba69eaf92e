import { sql } from 'kysely'
import type { Deps } from '../http/env.ts'
import type { CheckpointKind } from '../checkpoints/checkpoints.table.ts'
import { assertWorksAt, worksAt, type Principal } from '../auth/principal.ts'
import type { Compilable, WriteResult } from '../db/store.ts'
import { firstRow, insertRow, precompiled } from '../db/precompiled.ts'
import { abortUnless, GuardFailed } from '../db/guard.ts'
import { ApiError, badRequest, conflict, describeGuard } from '../http/errors.ts'
import { actorOf, auditEntry } from '../audit/audit-entry.ts'
import { isEntryCheckpoint } from '../checkpoints/routes.ts'
import type { Verifier } from '../trust/key-resolver.ts'
import { issuerOf, verifyPassToken, type PassClaims } from '../passes/pass-token.ts'
import { normalisePlate, parsePlate } from '../vehicles/plate.ts'
import { maskPersonalText } from '../privacy/personal-data.ts'
import { eventCheckpoints, findOpenLoops, latestPassLoopTime, loopEvents } from '../loops/loops.repository.ts'
import { involves } from '../loops/involvement.ts'
import { projectLoop, settleDirtyLoops } from '../loops/refresh-loop.ts'
import type { LoopEventRow, LoopRow } from '../loops/loops.table.ts'
import { ensureToken } from '../passes/issue-pass.ts'
import { decideVerdict, type ScanFacts } from './decide-verdict.ts'
import { expectsArrival } from './arrival-checkpoint.ts'
import { FUTURE_LIMIT_MS, mayOpenLoop, placeScanTime } from './scan-time.ts'
import { normaliseScanRequest, scanRequestHash, storedRawRequest } from './scan-request.ts'
import { checkReceipt, type ReceiptClaims, type ReceiptStatus } from '../receipts/receipt-token.ts'
import { findMatchingReport, reportView } from '../arrivals/arrivals.repository.ts'

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

// The reads of every scan, compiled once (see `precompiled`).
// One statement for what every scan starts with: the stored scan of this id (a retry: its answer,
// where it was made and what it asked), whether a loop event already has this id (a scan's
// arrival event takes the scan's id), and the checkpoint. Always one row, so a stored scan is
// found even without the checkpoint.
const answerAndCheckpoint = precompiled(['id', 'code'], (db, a: { id: string; code: string }) =>
  sql<{
    stored: string | null
    stored_checkpoint: string | null
    stored_hash: string | null
    event_id_taken: number
    code: string | null
    kind: CheckpointKind | null
    station_code: string | null
  }>`
    SELECT scans.response AS stored, scans.checkpoint_code AS stored_checkpoint, scans.request_hash AS stored_hash,
      EXISTS (SELECT 1 FROM loop_events WHERE loop_events.id = ${a.id}) AS event_id_taken,
      checkpoints.code, checkpoints.kind, checkpoints.station_code
    FROM (SELECT 1) LEFT JOIN scans ON scans.id = ${a.id} LEFT JOIN checkpoints ON checkpoints.code = ${a.code}`.compile(db),
)

describeGuard('loop_changed', 'the vehicle’s loop changed while the scan was recorded; scan again')
const passWithFirm = precompiled(['number'], (db, a: { number: string }) =>
  db
    .selectFrom('passes')
    .leftJoin('enterprises', 'enterprises.id', 'passes.enterprise_id')
    .select(['passes.status', 'passes.enterprise_id', 'enterprises.whitelist_status'])
    .where('passes.number', '=', a.number),
)

const RAW_LIMIT = 4096
const NEGATIVE_VALID_MS = 48 * 3_600_000

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
 * Returns the answer as JSON text: the very text stored with the scan.
 */
export async function recordScan(deps: Deps, verifier: Verifier, principal: Principal, input: ScanInput, attempt = 0): Promise<string> {
  const { store, config } = deps
  const db = store.db
  const request = normaliseScanRequest(input)
  const [found, requestHash] = await Promise.all([
    firstRow(db, answerAndCheckpoint({ id: input.id, code: input.checkpoint_code })).then((row) => row!),
    scanRequestHash(config.DATA_KEY, request),
  ])
  if (found.stored !== null) return storedAnswer(principal, input.id, found, requestHash)

  assertWorksAt(principal, input.checkpoint_code)
  if (found.event_id_taken) throw idReused(input.id)
  const checkpoint = found.code && found.kind ? { code: found.code, kind: found.kind, stationCode: found.station_code } : undefined
  if (!checkpoint) throw badRequest('unknown_checkpoint', `no checkpoint ${input.checkpoint_code}`, [{ field: 'checkpoint_code', message: 'no such checkpoint' }])

  const now = deps.clock()
  const scannedAt = input.scanned_at ? new Date(input.scanned_at) : now
  const timing = placeScanTime(scannedAt, now)
  if (timing === 'future') {
    throw badRequest('scanned_at_in_future', `scanned_at is more than ${FUTURE_LIMIT_MS / 60_000} minutes ahead of the server clock: check the date, time and time zone of the phone, then scan again`, [
      { field: 'scanned_at', message: 'ahead of the server clock' },
    ])
  }
  const late = timing === 'late'
  const token = input.token ?? (await passTokenByNumber(deps, input.pass_number ?? ''))
  const checked = await verifyPassToken(token, verifier.resolveKey, scannedAt, config.CLOCK_SKEW_SECONDS * 1000, verifier.check)
  const facts: ScanFacts = {}
  let claims: PassClaims | undefined
  let enterpriseId: string | null = null
  // The plate's open loops: the pass's own, and one opened by hand (they may be open side by side).
  let passLoop: LoopRow | undefined
  let manualLoop: LoopRow | undefined
  let plateSeenUntil: string | null = null
  const entry = isEntryCheckpoint(checkpoint.kind)
  const flags: string[] = []
  // A plate that does not parse is kept only masked: staff sometimes type a phone number there.
  const observedPlate = input.observed_plate ? (parsePlate(input.observed_plate) ?? maskPersonalText(normalisePlate(input.observed_plate))) : null

  if (!checked.ok) {
    facts.tokenProblem = checked.problem
  } else {
    claims = checked.claims
    facts.window = checked.window
    facts.passPlate = claims.plate
    facts.observedPlate = observedPlate
    const ownPass = issuerOf(claims.number) === config.ISSUER_CODE
    const [pass, open, seenUntil] = await Promise.all([
      ownPass ? firstRow(db, passWithFirm({ number: claims.number })) : undefined,
      findOpenLoops(db, claims.plate),
      entry ? latestPassLoopTime(db, claims.plate) : null,
    ])
    if (pass) {
      facts.passStatus = pass.status
      enterpriseId = pass.enterprise_id
      facts.enterpriseWhitelisted = pass.whitelist_status === 'active'
    }
    passLoop = open.pass
    manualLoop = open.manual
    plateSeenUntil = seenUntil
    facts.manualLoopOpen = manualLoop !== undefined
    if (entry) facts.loopAlreadyOpen = passLoop !== undefined
    else if (!passLoop) flags.push('no_open_loop')
    // Only the pass's own loop vouches for a result: anyone may write to a loop opened by hand.
    if (!entry && passLoop?.negative_since) {
      facts.recentNegative = scannedAt.getTime() - Date.parse(passLoop.negative_since) < NEGATIVE_VALID_MS
    }
  }
  let receipt: { status: ReceiptStatus; claims?: ReceiptClaims } | undefined
  if (input.receipt) {
    receipt = await checkReceipt(input.receipt, verifier.resolveKey, claims?.plate ?? observedPlate ?? '', scannedAt, verifier.check)
    if (receipt.status === 'valid') facts.recentNegative = true
  }
  const decision = decideVerdict(facts)
  const plate = claims?.plate ?? observedPlate
  const report = entry && plate ? await findMatchingReport(db, plate, checkpoint.code, scannedAt, { passNumber: claims?.number ?? null, enterpriseId }) : undefined
  const validPass = claims !== undefined && decision.verdict === 'valid'

  const writes: Compilable[] = []
  // The loop this scan opens or attaches to, and the events it adds there.
  let loop: LoopRow | undefined
  // The pass loop's stored events, read where the scan may attach to it or name it.
  let stored: Awaited<ReturnType<typeof loopEvents>> = []
  let opensLoop = false
  if (entry && validPass) {
    const seenUntil = plateSeenUntil ? new Date(plateSeenUntil) : null
    opensLoop = mayOpenLoop({ at: scannedAt, now, late, plateSeenUntil: seenUntil }, claims!, config.CLOCK_SKEW_SECONDS * 1000)
    if (opensLoop) {
      loop = newLoop(claims!, enterpriseId, checkpoint.code, scannedAt, now, actorOf(principal))
      // A loop of the plate opened or closed after this scan's time since it was read: decide again.
      const at = scannedAt.toISOString()
      writes.push(abortUnless(sql`NOT EXISTS (SELECT 1 FROM loops WHERE plate = ${claims!.plate} AND manual = 0 AND (opened_at > ${at} OR closed_at > ${at}))`, 'loop_changed'))
    } else flags.push('loop_not_opened')
  } else if (!entry && passLoop) {
    stored = await loopEvents(db, passLoop.id)
    if (validPass) {
      if (expectsArrival(checkpoint, passLoop, stored.map((e) => e.checkpoint_code), claims!.destination)) loop = passLoop
      else flags.push('unexpected_destination')
    }
  }
  const added: LoopEventRow[] = []
  const event = (kind: LoopEventRow['kind'], id: string, data: Record<string, unknown>): LoopEventRow => ({
    id,
    loop_id: loop!.id,
    kind,
    at: scannedAt.toISOString(),
    checkpoint_code: checkpoint.code,
    data: JSON.stringify(data),
    recorded_by: actorOf(principal),
    received_at: now.toISOString(),
    flag: null,
  })
  if (loop) added.push(event(entry ? 'arrived' : 'destination_arrived', input.id, { scan_id: input.id, pass_number: claims!.number }))
  if (opensLoop && receipt?.status === 'valid' && receipt.claims) {
    const r = receipt.claims
    added.push(event('certificate_checked', crypto.randomUUID(), { receipt: true, test: r.test, sampled_at: r.sampledAt.toISOString(), issuer: r.issuer, scan_id: input.id }))
  }
  const afterEvents: Compilable[] = []
  if (opensLoop && report) {
    afterEvents.push(
      db.updateTable('arrival_reports').set({ arrived_at: scannedAt.toISOString(), arrived_loop_id: loop!.id, arrived_scan_id: input.id }).where('id', '=', report.id).where('arrived_at', 'is', null),
    )
  }
  let loopAnswer: { id: string; state: string; alerting: boolean } | undefined
  // Whether the stored loop was left dirty, read from the results of its projection's writes.
  let loopLeftDirty = (_results: readonly WriteResult[]) => false
  if (loop) {
    // Fold the loop with its new events now, so its projection commits with them (a new loop is
    // inserted already projected).
    const nextSeq = Math.max(0, ...stored.map((e) => e.seq)) + 1
    const events = [...stored, ...added.map((row, i) => ({ ...row, seq: nextSeq + i }))]
    const projected = projectLoop(deps, loop, events, events.length, { fresh: opensLoop })
    if (projected.insertLoop) writes.push(projected.insertLoop)
    writes.push(...added.map((row) => insertRow('loop_events', row)), ...afterEvents)
    const from = writes.length
    writes.push(...projected.writes)
    loopLeftDirty = (results) => projected.leftDirty(results.slice(from, from + projected.writes.length))
    loopAnswer = { id: loop.id, state: loop.closed_by ? 'closed' : projected.facts.state, alerting: projected.alerting }
  } else if (passLoop) {
    // loop_open, or a scan that may not attach: point staff at the loop only if it is theirs.
    const recordedAt = entry ? await eventCheckpoints(db, passLoop.id) : stored.map((e) => e.checkpoint_code)
    if (involves(principal, passLoop, recordedAt)) loopAnswer = { id: passLoop.id, state: passLoop.state, alerting: passLoop.alerting === 1 }
  }
  const loopId = loopAnswer?.id ?? null
  // Where the manual loop was opened, and its id, so staff can call that checkpoint; nothing else.
  const manualLoopAnswer = manualLoop && decision.warnings.includes('manual_loop_open') ? { id: manualLoop.id, checkpoint_code: manualLoop.entry_checkpoint_code } : undefined

  const response = {
    id: input.id,
    verdict: decision.verdict,
    pass_status: decision.passStatus,
    reasons: decision.reasons,
    action: decision.action,
    late,
    ...(flags.length ? { flags } : {}),
    ...(decision.warnings.length ? { warnings: decision.warnings } : {}),
    ...(receipt
      ? {
          receipt: {
            status: receipt.status,
            ...(receipt.claims
              ? { test: receipt.claims.test, sampled_at: receipt.claims.sampledAt.toISOString(), expires_at: receipt.claims.expiresAt.toISOString(), issuer_code: receipt.claims.issuer }
              : {}),
          },
        }
      : {}),
    ...(report ? { arrival_report: reportView(opensLoop ? { ...report, arrived_at: scannedAt.toISOString(), arrived_loop_id: loopId } : report, now) } : {}),
    checkpoint: { code: checkpoint.code, kind: checkpoint.kind },
    scanned_at: scannedAt.toISOString(),
    ...(claims
      ? {
          pass: {
            number: claims.number,
            plate: claims.plate,
            valid_from: claims.validFrom.toISOString(),
            valid_until: claims.validUntil.toISOString(),
            origin_region_code: claims.origin,
            destination_code: claims.destination,
            issuer_code: issuerOf(claims.number),
            ...(facts.passStatus ? { status: facts.passStatus } : {}),
            ...(enterpriseId ? { enterprise_id: enterpriseId } : {}),
          },
        }
      : {}),
    ...(loopAnswer ? { loop: loopAnswer } : {}),
    ...(manualLoopAnswer ? { manual_loop: manualLoopAnswer } : {}),
  }
  // Stored with the scan, so a retry after a lost answer gets the same answer in full; and sent as is.
  const answer = JSON.stringify(response)
  writes.push(
    insertRow('scans', {
      id: input.id,
      checkpoint_code: checkpoint.code,
      account_id: principal.accountId,
      scanned_at: scannedAt.toISOString(),
      received_at: now.toISOString(),
      pass_number: claims?.number ?? null,
      plate: claims?.plate ?? null,
      observed_plate: observedPlate,
      enterprise_id: enterpriseId,
      verdict: decision.verdict,
      reasons: JSON.stringify(decision.reasons),
      action: decision.action,
      loop_id: loopId,
      // Kept for auditors: normalised, with anything that looks like an ID or phone number masked.
      raw: storedRawRequest(request, RAW_LIMIT),
      response: answer,
      late: late ? 1 : 0,
      request_hash: requestHash,
    }),
    auditEntry(db, now, { actor: actorOf(principal), action: 'scan', subject: `scan:${input.id}`, after: { checkpoint: checkpoint.code, pass_number: claims?.number ?? null, verdict: decision.verdict, reasons: decision.reasons, loop_id: loopId, ...(flags.length ? { flags } : {}), ...(late ? { late } : {}) } }),
  )

  let results: WriteResult[]
  try {
    results = await store.atomic(writes)
  } catch (error) {
    // A concurrent scan of the same vehicle opened its loop first, a loop of the plate opened or
    // closed after this scan's time, a coordinator closed the loop, or the same id was stored a
    // moment ago (as a scan or a loop event): decide again against what is there now — the
    // first read then finds a stored scan or a taken event id.
    const failure = constraintFailure(error)
    if (attempt === 0 && (error instanceof GuardFailed || failure)) return recordScan(deps, verifier, principal, input, 1)
    if (failure === 'id') throw idReused(input.id)
    throw error
  }
  // An arrival at the destination updated a stored loop that an upload may have raced.
  if (loop && loopLeftDirty(results)) await settleDirtyLoops(deps, [loop.id])

  return answer
}

const idReused = (id: string) => conflict('id_reused', `id ${id} was already used for a different scan or loop event: send this scan with a new id`)

/**
 * Which constraint a failed write broke, by SQLite's extended result code: a primary key (an id
 * the client chose, stored meanwhile) or a unique index (the plate's open loop, opened meanwhile).
 * D1 reports no code property but names the result code in its message; what it broke is then
 * left to the retry's first read.
 */
function constraintFailure(error: unknown): 'id' | 'unique' | 'constraint' | undefined {
  const code = (error as { code?: unknown } | null)?.code
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'id'
  if (code === 'SQLITE_CONSTRAINT_UNIQUE') return 'unique'
  if (code === undefined && error instanceof Error && /\bSQLITE_CONSTRAINT\b/.test(error.message)) return 'constraint'
  return undefined
}

/**
 * The stored answer of a repeated scan id: only for an account that works at the checkpoint the
 * scan was made at, and only for the same request. Another request under a used id is refused, so
 * a device never takes a stored answer for the scan it just made. Scans stored before requests
 * were hashed are compared by checkpoint only.
 */
function storedAnswer(principal: Principal, id: string, found: { stored: string | null; stored_checkpoint: string | null; stored_hash: string | null }, requestHash: string): string {
  if (!worksAt(principal, found.stored_checkpoint ?? '')) {
    throw new ApiError(403, 'checkpoint_not_yours', `scan ${id} was made at a checkpoint your account does not work at`)
  }
  if (found.stored_hash !== null && found.stored_hash !== requestHash) {
    throw conflict('id_reused', `scan id ${id} was already used for a different scan: send this scan with a new id`)
  }
  return found.stored!
}

/**
 * The token of one of this issuer's passes, or '' (answered as `malformed`) if there is none. A
 * pass whose token was not stored yet (a crash right after approval) gets it now.
 */
async function passTokenByNumber(deps: Deps, number: string): Promise<string> {
  const row = await deps.store.db.selectFrom('passes').selectAll().where('number', '=', number).executeTakeFirst()
  return row ? ((await ensureToken(deps, row)).token ?? '') : ''
}

function newLoop(claims: PassClaims, enterpriseId: string | null, checkpointCode: string, at: Date, now: Date, actor: string): LoopRow {
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
