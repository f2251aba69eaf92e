import { sql } from 'kysely'
import type { Deps, DeviceUse } from '../app-env.ts'
import { notYourCheckpoint, worksAt, type Principal } from '../auth/principal.ts'
import { actorOf } from '../auth/principal.ts'
import { insertRow, jsonList, precompiled, rows } from '../db/precompiled.ts'
import type { LoopEventRow, LoopRow } from './loops.table.ts'
import { parseEvent, type ParsedEvent } from './event-schemas.ts'
import { checkEventTimes, isLate } from './event-times.ts'
import { involves } from './involvement.ts'
import { planLoopChange, settleLeftDirty } from './loop-change.ts'
import { correctedEventId, correctionProblem } from './result-correction.ts'
import { writePlan } from './write-plan.ts'
import {
  insertReceivers,
  platesWithRiskyOpenLoop,
  receiverRows,
  receiversOf,
  RECEIVER_OPEN_LOOP,
} from './handover.ts'

export interface EventOutcome {
  id: string | null
  status: 'accepted' | 'duplicate' | 'rejected'
  error?: { code: string; message: string }
  flag?: string
  late?: boolean
}

type StoredContent = Pick<
  LoopEventRow,
  'id' | 'loop_id' | 'kind' | 'at' | 'checkpoint_code' | 'data'
>

// The statements of every batch, compiled once (see `precompiled`); lists travel as one JSON value.
const storedEvents = precompiled(['ids'], (db, a: { ids: string }) =>
  db
    .selectFrom('loop_events')
    .select(['id', 'loop_id', 'kind', 'at', 'checkpoint_code', 'data'])
    .where('id', 'in', sql<string>`(SELECT value FROM json_each(${a.ids}))`),
)
const loopsById = precompiled(['ids'], (db, a: { ids: string }) =>
  db
    .selectFrom('loops')
    .selectAll()
    .where('id', 'in', sql<string>`(SELECT value FROM json_each(${a.ids}))`),
)
const eventsOfLoops = precompiled(['ids'], (db, a: { ids: string }) =>
  db
    .selectFrom('loop_events')
    .selectAll()
    .select(sql<number>`rowid`.as('seq'))
    .where('loop_id', 'in', sql<string>`(SELECT value FROM json_each(${a.ids}))`),
)
type EventRow = Omit<LoopEventRow, 'flag' | 'data'> & { data: string | null }
// All the accepted events of a batch in one statement, as one JSON parameter (so the text never
// changes and D1's parameter limit never applies). RETURNING names the rows stored: an id missing
// from it was stored by a concurrent request a moment earlier. (`WHERE true` lets SQLite parse the
// upsert after a SELECT.)
const insertEvents = precompiled(['rows'], (db, a: { rows: string }) =>
  sql`INSERT INTO loop_events (id, loop_id, kind, at, checkpoint_code, data, recorded_by, received_at, late, device_id, device_review)
      SELECT json_extract(value, '$.id'), json_extract(value, '$.loop_id'), json_extract(value, '$.kind'), json_extract(value, '$.at'),
        json_extract(value, '$.checkpoint_code'), json_extract(value, '$.data'), json_extract(value, '$.recorded_by'), json_extract(value, '$.received_at'),
        json_extract(value, '$.late'), json_extract(value, '$.device_id'), json_extract(value, '$.device_review')
      FROM json_each(${a.rows}) WHERE true
      ON CONFLICT (id) DO NOTHING RETURNING id`.compile(db),
)

/**
 * Test results a full loop still takes, beyond MAX_LOOP_EVENTS. A loop filled with junk by a
 * careless or hostile device must still hear of a positive result (and its alert open) or of the
 * negative that clears it; a reserve rather than no limit at all keeps a loop bounded even
 * against a device that sends nothing but results. A real loop needs a few (PCR, antigen, a
 * retest or two); coordinators were told when it reached the cap (`loop.full` in the audit log).
 */
export const RESULT_RESERVE = 20
const isResult = (kind: string) => kind === 'pcr_result' || kind === 'antigen_result'
/** How many events a loop may already hold for an event of `kind` to be taken. */
const roomFor = (kind: string, maxEvents: number) =>
  isResult(kind) ? maxEvents + RESULT_RESERVE : maxEvents

/**
 * The audit entry that tells coordinators a loop reached MAX_LOOP_EVENTS: written once per loop
 * (a concurrent batch that also reached it finds the first entry), in the same write as the events.
 */
const auditLoopFull = precompiled(
  ['at', 'actor', 'subject', 'after'],
  (db, a: { at: string; actor: string; subject: string; after: string }) =>
    sql`INSERT INTO audit_log (at, actor, action, subject, before, after)
      SELECT ${a.at}, ${a.actor}, 'loop.full', ${a.subject}, NULL, ${a.after}
      WHERE NOT EXISTS (SELECT 1 FROM audit_log WHERE subject = ${a.subject} AND action = 'loop.full')`.compile(
      db,
    ),
)

/** How the audit log names the device of a record: `device`, and `device_review` if marked. */
export const deviceAudit = (device: DeviceUse) =>
  device.review ? { device: device.id, device_review: device.review } : { device: device.id }

const rejected = (id: string | null, code: string, message: string): EventOutcome => ({
  id,
  status: 'rejected',
  error: { code, message },
})
const idReused = (id: string) =>
  rejected(
    id,
    'id_reused',
    `event ${id} is already stored with other content; an event's id names one event only — give a new event a new id`,
  )

interface CorrectableEvent {
  id: string
  kind: string
  at: string
  checkpoint_code: string
  data: Record<string, unknown> | null
}

/**
 * Refuses, in `outcomes`, each correction of the batch that breaks the rule of
 * result-correction.ts: its result must be an event of the same loop, stored or in this batch
 * (before or after it: a device's queue may send them in either order), and not withdrawn yet by
 * a stored correction or one earlier in the batch. Returns the result each correction withdraws.
 */
function refuseBadCorrections(
  accepted: readonly { index: number; event: ParsedEvent }[],
  storedByLoop: ReadonlyMap<string, readonly LoopEventRow[]>,
  outcomes: EventOutcome[],
): Map<string, CorrectableEvent> {
  const withdrawnBy = new Map<string, CorrectableEvent>()
  if (!accepted.some(({ event }) => event.kind === 'result_corrected')) return withdrawnBy
  const eventsOf = new Map<string, Map<string, CorrectableEvent>>()
  const withdrawn = new Set<string>()
  const loopEvents = (loopId: string) => {
    let events = eventsOf.get(loopId)
    if (events) return events
    events = new Map()
    for (const row of storedByLoop.get(loopId) ?? []) {
      const data = row.data ? (JSON.parse(row.data) as Record<string, unknown>) : null
      events.set(row.id, { ...row, data })
      // A stored correction the fold accepted (unflagged) has withdrawn its result.
      const target = row.kind === 'result_corrected' && !row.flag ? correctedEventId(data) : null
      if (target) withdrawn.add(`${loopId}:${target}`)
    }
    eventsOf.set(loopId, events)
    return events
  }
  for (const { event } of accepted) loopEvents(event.loop_id).set(event.id, event)
  for (const { index, event } of accepted) {
    if (event.kind !== 'result_corrected') continue
    const targetId = correctedEventId(event.data)
    const target = targetId === null ? undefined : loopEvents(event.loop_id).get(targetId)
    const key = `${event.loop_id}:${targetId}`
    const problem = correctionProblem(event, target, withdrawn.has(key))
    if (problem) outcomes[index] = rejected(event.id, problem.code, problem.message)
    else {
      withdrawn.add(key)
      withdrawnBy.set(event.id, target!)
    }
  }
  return withdrawnBy
}

/** JSON with keys in a fixed order, so the same data compares equal however it was written. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(value ?? null)
}

/**
 * Whether a stored event (or an earlier one of the batch) is this very event: a replay. Its loop,
 * kind, time (as an instant), checkpoint and data must all be the same; anything else reuses an id.
 */
export function sameEvent(stored: StoredContent | ParsedEvent, event: ParsedEvent): boolean {
  const data = (e: StoredContent | ParsedEvent) =>
    (typeof e.data === 'string' ? JSON.parse(e.data) : e.data) as unknown
  return (
    stored.loop_id === event.loop_id &&
    stored.kind === event.kind &&
    Date.parse(stored.at) === Date.parse(event.at) &&
    stored.checkpoint_code === event.checkpoint_code &&
    canonical(data(stored)) === canonical(data(event))
  )
}

/**
 * Takes a batch of loop events from a (possibly long offline) device. Each event gets its own
 * answer: `accepted` (with `late` if its device time was more than 24 h ago), `duplicate` (this
 * very event was stored before: nothing changes) or `rejected` with the reason — among them
 * `id_reused` (the id is stored with other content), `loop_not_yours` (the loop involves none of
 * the account's checkpoints, see involvement.ts), `loop_full` (MAX_LOOP_EVENTS; test results
 * RESULT_RESERVE more), the time bounds of event-times.ts and a correction that may not withdraw
 * its result (`correction_window_passed`, `correction_not_allowed`: result-correction.ts). Accepted events are written in one
 * atomic step with their loops' projections, which are rebuilt from all their events in
 * device-time order. Each records `device`, the enrolled scanner that signed the batch (if one did),
 * as its audit entry does.
 */
export async function ingestEvents(
  deps: Deps,
  principal: Principal,
  inputs: unknown[],
  device: DeviceUse | null = null,
): Promise<EventOutcome[]> {
  const { store, config } = deps
  const db = store.db
  const now = deps.clock()
  const outcomes: EventOutcome[] = []
  const candidates: { index: number; event: ParsedEvent }[] = []
  // The first occurrence of each id in the batch; a later identical copy answers as it does.
  const firstInBatch = new Map<string, { index: number; event: ParsedEvent }>()
  const copies: { index: number; of: number }[] = []

  for (const [index, input] of inputs.entries()) {
    const rawId =
      typeof (input as { id?: unknown })?.id === 'string' ? (input as { id: string }).id : null
    const parsed = parseEvent(input)
    if (!parsed.ok) {
      outcomes[index] = rejected(rawId, parsed.code, parsed.message)
      continue
    }
    const event = parsed.event
    const earlier = firstInBatch.get(event.id)
    if (earlier) {
      if (sameEvent(earlier.event, event)) copies.push({ index, of: earlier.index })
      else outcomes[index] = idReused(event.id)
      continue
    }
    firstInBatch.set(event.id, { index, event })
    if (!worksAt(principal, event.checkpoint_code)) {
      const { code, message } = notYourCheckpoint(event.checkpoint_code)
      outcomes[index] = rejected(event.id, code, message)
      continue
    }
    const timeProblem = checkEventTimes(event, now, config.MAX_RELEASE_DEADLINE_HOURS)
    if (timeProblem) {
      outcomes[index] = rejected(event.id, timeProblem.code, timeProblem.message)
      continue
    }
    candidates.push({ index, event })
  }

  const ids = candidates.map((c) => c.event.id)
  const loopIds = [...new Set(candidates.map((c) => c.event.loop_id))]
  const [existing, loops, storedRows] = await Promise.all([
    ids.length ? rows(db, storedEvents({ ids: jsonList(ids) })) : [],
    loopIds.length ? rows(db, loopsById({ ids: jsonList(loopIds) })) : [],
    loopIds.length ? rows(db, eventsOfLoops({ ids: jsonList(loopIds) })) : [],
  ])
  const existingById = new Map(existing.map((r) => [r.id, r]))
  const knownLoops = new Map(loops.map((r) => [r.id, r as LoopRow]))
  const storedByLoop = new Map<string, (LoopEventRow & { seq: number })[]>()
  for (const e of storedRows) {
    const list = storedByLoop.get(e.loop_id)
    if (list) list.push(e)
    else storedByLoop.set(e.loop_id, [e])
  }

  let accepted: { index: number; event: ParsedEvent }[] = []
  const acceptedPerLoop = new Map<string, number>()
  for (const candidate of candidates) {
    const { index, event } = candidate
    const stored = existingById.get(event.id)
    const loop = knownLoops.get(event.loop_id)
    const before = storedByLoop.get(event.loop_id) ?? []
    const inBatch = acceptedPerLoop.get(event.loop_id) ?? 0
    if (stored)
      outcomes[index] = sameEvent(stored, event)
        ? { id: event.id, status: 'duplicate' }
        : idReused(event.id)
    else if (!loop) outcomes[index] = rejected(event.id, 'unknown_loop', `no loop ${event.loop_id}`)
    else if (
      !involves(
        principal,
        loop,
        before.map((e) => e.checkpoint_code),
      )
    ) {
      outcomes[index] = rejected(
        event.id,
        'loop_not_yours',
        `loop ${event.loop_id} does not involve your checkpoints (entry, an event recorded there, or the release destination)`,
      )
    } else if (before.length + inBatch >= roomFor(event.kind, config.MAX_LOOP_EVENTS)) {
      outcomes[index] = rejected(
        event.id,
        'loop_full',
        `loop ${event.loop_id} holds ${before.length + inBatch} events, the most it takes; coordinators have been told`,
      )
    } else {
      acceptedPerLoop.set(event.loop_id, inBatch + 1)
      accepted.push(candidate)
    }
  }

  const withdrawnBy = refuseBadCorrections(accepted, storedByLoop, outcomes)
  accepted = accepted.filter(({ index }) => !outcomes[index])

  if (accepted.length > 0) {
    const receivedAt = now.toISOString()
    const recordedBy = actorOf(principal)
    const newRows: EventRow[] = accepted.map(({ event }) => ({
      id: event.id,
      loop_id: event.loop_id,
      kind: event.kind,
      at: new Date(event.at).toISOString(),
      checkpoint_code: event.checkpoint_code,
      data: event.data ? JSON.stringify(event.data) : null,
      recorded_by: recordedBy,
      received_at: receivedAt,
      late: isLate(event.at, now) ? 1 : 0,
      device_id: device?.id ?? null,
      device_review: device?.review ?? null,
    }))
    const plan = writePlan().add('events', [insertEvents({ rows: JSON.stringify(newRows) })])
    // The hand-over manifests, beside their events; a receiver with a risky open loop is flagged.
    const receiverPlates = accepted.flatMap(({ event }) =>
      receiversOf(event.kind, event.data).map((r) => r.plate),
    )
    const risky = await platesWithRiskyOpenLoop(db, receiverPlates)
    const receivers = accepted.flatMap(({ event }, i) =>
      receiverRows(event, newRows[i].data, risky, receivedAt),
    )
    const receiverFlagged = new Set(receivers.filter((r) => r.flag).map((r) => r.event_id))
    if (receivers.length > 0)
      plan.add('receivers', [insertReceivers({ rows: JSON.stringify(receivers) })])
    // The batch's new events, by loop.
    const newByLoop = new Map<string, { input: ParsedEvent; row: EventRow }[]>()
    accepted.forEach(({ event }, i) => {
      const list = newByLoop.get(event.loop_id)
      if (list) list.push({ input: event, row: newRows[i] })
      else newByLoop.set(event.loop_id, [{ input: event, row: newRows[i] }])
    })
    // Each touched loop is folded with its stored events and the new ones now, so its projection,
    // flags and alerts commit in the same atomic write as the events themselves.
    const flagOf = new Map<string, string>()
    for (const [loopId, mine] of newByLoop) {
      const stored = storedByLoop.get(loopId) ?? []
      const added = mine.map(({ row }) => ({ ...row, flag: null }))
      const { facts } = planLoopChange(deps, plan, {
        loop: knownLoops.get(loopId)!,
        stored,
        added,
        addedInPlan: true,
      })
      for (const flag of facts.flags) flagOf.set(flag.eventId, flag.reason)
      const audit = [
        insertRow('audit_log', {
          at: receivedAt,
          actor: recordedBy,
          action: 'loop.events',
          subject: `loop:${loopId}`,
          before: null,
          after: JSON.stringify({
            events: mine.map(({ input }) => ({ id: input.id, kind: input.kind, at: input.at })),
            ...(device ? deviceAudit(device) : {}),
          }),
        }),
      ]
      // Who withdrew which result, and why: the correction in the audit log beside the upload.
      for (const { input } of mine) {
        const target = withdrawnBy.get(input.id)
        if (!target) continue
        audit.push(
          insertRow('audit_log', {
            at: receivedAt,
            actor: recordedBy,
            action: 'loop.result_corrected',
            subject: `loop:${loopId}`,
            before: JSON.stringify({
              event_id: target.id,
              kind: target.kind,
              at: target.at,
              result: target.data?.result ?? null,
            }),
            after: JSON.stringify({
              correction_id: input.id,
              at: input.at,
              reason: input.data?.reason ?? null,
            }),
          }),
        )
      }
      const count = stored.length + added.length
      if (stored.length < config.MAX_LOOP_EVENTS && count >= config.MAX_LOOP_EVENTS) {
        audit.push(
          auditLoopFull({
            at: receivedAt,
            actor: recordedBy,
            subject: `loop:${loopId}`,
            after: JSON.stringify({ events: count, max_events: config.MAX_LOOP_EVENTS }),
          }),
        )
      }
      plan.add('audit', audit)
    }
    const results = await plan.run(store)
    const storedIds = new Set(results.get('events')[0].rows.map((r) => r.id as string))
    // Not returned: the same id was stored by a concurrent request a moment ago. Only if that is
    // this very event was the device's data stored.
    const raced = accepted
      .filter(({ event }) => !storedIds.has(event.id))
      .map(({ event }) => event.id)
    const racedRows = new Map(
      (raced.length ? await rows(db, storedEvents({ ids: jsonList(raced) })) : []).map((r) => [
        r.id,
        r,
      ]),
    )
    accepted.forEach(({ index, event }, i) => {
      if (!storedIds.has(event.id)) {
        const other = racedRows.get(event.id)
        outcomes[index] =
          other && sameEvent(other, event)
            ? { id: event.id, status: 'duplicate' }
            : idReused(event.id)
        return
      }
      // A risky receiver is what the officer must hear of now; the fold's flag stays on the event.
      const flag = receiverFlagged.has(event.id) ? RECEIVER_OPEN_LOOP : flagOf.get(event.id)
      outcomes[index] = {
        id: event.id,
        status: 'accepted',
        ...(flag ? { flag } : {}),
        ...(newRows[i].late ? { late: true } : {}),
      }
    })
    await settleLeftDirty(deps, results)
  }
  // A copy of an event earlier in the batch: duplicate if that one was stored (now or before).
  for (const { index, of } of copies) {
    const first = outcomes[of]
    outcomes[index] =
      first.status === 'rejected' ? { ...first } : { id: first.id, status: 'duplicate' }
  }
  return outcomes
}
