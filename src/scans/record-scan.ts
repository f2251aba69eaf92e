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
import { findOpenLoop, loopEvents } from '../loops/loops.repository.ts'
import { projectLoop, settleDirtyLoops } from '../loops/refresh-loop.ts'
import type { LoopEventRow, LoopRow } from '../loops/loops.table.ts'
import { ensureToken } from '../passes/issue-pass.ts'
import { decideVerdict, type ScanFacts } from './decide-verdict.ts'
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
// One statement for two lookups every scan starts with: the stored scan of this id (a retry: its
// answer, where it was made and what it asked), and the checkpoint. Always one row, so a stored
// scan is found even without the checkpoint.
const answerAndCheckpoint = precompiled(['id', 'code'], (db, a: { id: string; code: string }) =>
  sql<{ stored: string | null; stored_checkpoint: string | null; stored_hash: string | null; code: string | null; kind: CheckpointKind | null }>`
    SELECT scans.response AS stored, scans.checkpoint_code AS stored_checkpoint, scans.request_hash AS stored_hash, checkpoints.code, checkpoints.kind
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
 * a valid scan opens the vehicle's loop (`arrived`), or takes over a loop opened by hand without
 * a pass (see below); at a transfer station or destination it records
 * `destination_arrived` on the open loop, or flags the vehicle if it has none.
 *
 * Device time: more than 5 minutes ahead of the server is refused (`scanned_at_in_future`); more
 * than 24 h back is accepted and marked `late`. The scan is decided at its device time, but opens
 * a loop only while its pass is still valid now, and a late one only if its device time lies in
 * the pass window itself (scan-time.ts `mayOpenLoop`); else it is answered, flagged
 * `loop_not_opened`, and opens nothing.
 *
 * A repeated scan id answers as the first time, only to an account working at that scan's
 * checkpoint (else 403 `checkpoint_not_yours`) and only for the same request (else 409 `id_reused`).
 *
 * A manual loop (opened by plate, no pass) never holds a valid pass at an entry checkpoint: it is
 * a warning (`manual_loop_open`), and the valid scan attaches its pass to that loop and records its
 * arrival there, so the truck goes on in one loop with whatever was already recorded on it.
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
  const checkpoint = found.code && found.kind ? { code: found.code, kind: found.kind } : undefined
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
  let openLoop: LoopRow | undefined
  let manualLoop = false
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
    if (issuerOf(claims.number) === config.ISSUER_CODE) {
      const pass = await firstRow(db, passWithFirm({ number: claims.number }))
      if (pass) {
        facts.passStatus = pass.status
        enterpriseId = pass.enterprise_id
        facts.enterpriseWhitelisted = pass.whitelist_status === 'active'
      }
    }
    openLoop = await findOpenLoop(db, observedPlate ?? claims.plate)
    // Opened by hand for a truck without a pass, and no pass has taken it over yet.
    manualLoop = openLoop?.manual === 1 && openLoop.pass_number === null
    if (entry) {
      facts.loopAlreadyOpen = openLoop !== undefined && !manualLoop
      facts.manualLoopOpen = manualLoop
    } else if (!openLoop) flags.push('no_open_loop')
    if (!entry && openLoop?.negative_since) {
      facts.recentNegative = scannedAt.getTime() - Date.parse(openLoop.negative_since) < NEGATIVE_VALID_MS
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

  const writes: Compilable[] = []
  // The loop this scan opens, takes over or attaches to, and the events it adds there.
  let loop: LoopRow | undefined
  let stored: Awaited<ReturnType<typeof loopEvents>> = []
  const validEntry = Boolean(claims && decision.verdict === 'valid' && entry)
  const entryAllowed = validEntry && mayOpenLoop({ at: scannedAt, now, late }, claims!, config.CLOCK_SKEW_SECONDS * 1000)
  if (validEntry && !entryAllowed) flags.push('loop_not_opened')
  const opensLoop = entryAllowed && !manualLoop
  const takesOverManual = entryAllowed && manualLoop
  if (opensLoop) {
    loop = newLoop(claims!, enterpriseId, checkpoint.code, scannedAt, now, actorOf(principal))
  } else if (takesOverManual) {
    loop = { ...openLoop!, pass_number: claims!.number, enterprise_id: enterpriseId }
    stored = await loopEvents(db, openLoop!.id)
    // Only while no pass has taken it over and it is still open; else decide again (see the retry).
    writes.push(
      abortUnless(sql`EXISTS (SELECT 1 FROM loops WHERE id = ${loop.id} AND pass_number IS NULL AND closed_at IS NULL)`, 'loop_changed'),
      db.updateTable('loops').set({ pass_number: claims!.number, enterprise_id: enterpriseId }).where('id', '=', loop.id),
      auditEntry(db, now, { actor: actorOf(principal), action: 'loop.attach_pass', subject: `loop:${loop.id}`, before: { pass_number: null, enterprise_id: null }, after: { pass_number: claims!.number, enterprise_id: enterpriseId, scan_id: input.id, checkpoint: checkpoint.code } }),
    )
  } else if (claims && !entry && openLoop) {
    loop = openLoop
    stored = await loopEvents(db, openLoop.id)
  }
  const entersLoop = opensLoop || takesOverManual
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
  if (loop) added.push(event(entry ? 'arrived' : 'destination_arrived', input.id, { scan_id: input.id, pass_number: claims!.number, ...(takesOverManual ? { took_over_manual_loop: true } : {}) }))
  if (entersLoop && receipt?.status === 'valid' && receipt.claims) {
    const r = receipt.claims
    added.push(event('certificate_checked', crypto.randomUUID(), { receipt: true, test: r.test, sampled_at: r.sampledAt.toISOString(), issuer: r.issuer, scan_id: input.id }))
  }
  const afterEvents: Compilable[] = []
  if (entersLoop && report) {
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
  } else if (openLoop) {
    // loop_open (or a manual loop): point staff at the loop that is still open.
    loopAnswer = { id: openLoop.id, state: openLoop.state, alerting: openLoop.alerting === 1 }
  }
  const loopId = loopAnswer?.id ?? null

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
    ...(report ? { arrival_report: reportView(entersLoop ? { ...report, arrived_at: scannedAt.toISOString(), arrived_loop_id: loopId } : report, now) } : {}),
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
    auditEntry(db, now, { actor: actorOf(principal), action: 'scan', subject: `scan:${input.id}`, after: { checkpoint: checkpoint.code, pass_number: claims?.number ?? null, verdict: decision.verdict, reasons: decision.reasons, loop_id: loopId, ...(late ? { late } : {}) } }),
  )

  let results: WriteResult[]
  try {
    results = await store.atomic(writes)
  } catch (error) {
    // A concurrent scan of the same vehicle opened its loop (or took over the manual one) first,
    // a coordinator closed it, or the same scan id was stored a moment ago: decide again against
    // what is there now.
    const raced = error instanceof GuardFailed || String(error).includes('UNIQUE')
    if (attempt === 0 && raced) return recordScan(deps, verifier, principal, input, 1)
    throw error
  }
  // An arrival at the destination updated a stored loop that an upload may have raced.
  if (loop && loopLeftDirty(results)) await settleDirtyLoops(deps, [loop.id])

  return answer
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
