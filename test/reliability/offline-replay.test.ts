import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateSecrets } from '../../src/keys/generate.ts'
import type { Secrets } from '../../src/node-secrets.ts'
import { sweepLoops } from '../../src/loops/sweep-loops.ts'
import { testClock } from '../support/test-app.ts'
import { buildTestApp } from '../support/test-app.ts'
import { event, issuePass, scan, sendEvents } from '../support/flow.ts'
import {
  crashAfterCommit,
  openFileApp,
  quietSimulatedCrashes,
  type FileApp,
} from './support/file-app.ts'
import { checkDatabase } from './support/invariants.ts'

/**
 * Offline replay: a checkpoint phone queues a loop's events while it has no network and uploads
 * them later — in any order, some twice, in several requests, across a server restart, or with the
 * server dying right after it stored a batch (the phone then sends that batch again). Whatever the
 * route, the loop ends in the same state (state, projection, events with their flags, alerts) as
 * when the events arrive once, in order, in one request.
 *
 * Rules the generator keeps, because the service means them: device times are distinct (events
 * with the same device time are applied in arrival order, by design), and uploads happen within an
 * hour of the events, before any time-based alert (result_overdue after 8 h, destination_overdue
 * after the release deadline) can fall due — an alert that opened because the server did not yet
 * know of a late event stays open for a coordinator to resolve (“nothing closes silently”).
 */
const RUNS = Number(process.env.OFFLINE_RUNS ?? 60)
const T0 = '2026-11-29T08:00:00.000Z'
const UPLOAD_AT = '2026-11-29T09:00:00.000Z'
const CHECKPOINTS = ['HZ-G60-XS', 'HZ-TS-XS', 'HZ-DEST-BJ'] as const

let dir: string
let file: string
let secrets: Secrets
const clock = testClock(T0)
let t: FileApp
let checkpoint: string
let coordinator: string
let plates = 10_000
let loud: () => void

beforeAll(async () => {
  loud = quietSimulatedCrashes()
  dir = mkdtempSync(join(tmpdir(), 'tongxing-replay-'))
  file = join(dir, 'tongxing.db')
  secrets = await generateSecrets()
  t = await openFileApp(file, secrets, clock)
  checkpoint = await t.login('checkpoint')
  coordinator = await t.login('coordinator')
})
afterAll(async () => {
  loud?.()
  await t?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Closes the app and opens a new one over the same file: a server restart. */
async function restart() {
  await t.close()
  t = await openFileApp(file, secrets, clock)
}

// ---- the generated world -------------------------------------------------------------------

const result = fc.oneof(
  { arbitrary: fc.constant('negative'), weight: 4 },
  { arbitrary: fc.constant('positive'), weight: 1 },
)
const shape = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('sampled'),
      data: fc.record({
        tube_code: fc.constantFrom('TB-1', 'TB-2'),
        tests: fc.constantFrom(['pcr'], ['pcr', 'antigen']),
      }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constantFrom('antigen_result', 'pcr_result'),
      data: fc.record({ result }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('released'),
      data: fc.record(
        // An explicit deadline, when given, lies well after the uploads (see the note above).
        {
          destination_code: fc.constantFrom('HZ-TS-XS', 'HZ-DEST-BJ'),
          deadline: fc.constantFrom('2026-11-29T13:00:00.000Z', '2026-11-29T20:00:00+08:00'),
        },
        { requiredKeys: ['destination_code'] },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('certificate_checked'),
      data: fc.constantFrom({}, { sampled_at: '2026-11-28T20:00:00+08:00' }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constantFrom('destination_arrived', 'handed_over', 'departed', 'arrived'),
      data: fc.constant(undefined),
    }),
  },
)
/** A loop's events: distinct device minutes after the arrival (T0), each with a kind, data and a checkpoint. */
const loopEvents = fc.uniqueArray(
  fc.record({
    minute: fc.integer({ min: 1, max: 55 }),
    shape,
    checkpoint: fc.constantFrom(...CHECKPOINTS),
  }),
  {
    minLength: 1,
    maxLength: 12,
    selector: (e) => e.minute,
  },
)

/** How a phone uploads them: order, repeats, request boundaries, restarts, a crash after a commit, all again at the end. */
const uploadPlan = (n: number) =>
  fc.record({
    order: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
    repeats: fc.array(fc.record({ index: fc.nat(n - 1), position: fc.nat() }), { maxLength: 4 }),
    cuts: fc.array(fc.nat(), { maxLength: 4 }),
    restartAfter: fc.array(fc.nat(), { maxLength: 2 }),
    crashOn: fc.option(fc.nat(), { freq: 3 }),
    againAtTheEnd: fc.boolean(),
  })

/**
 * Always run first. A PCR test comes back positive, a retest at the next minute negative; the
 * phone uploads the positive one in one request and the retest in the next.
 */
const POSITIVE_THEN_NEGATIVE_RETEST = [
  [
    {
      minute: 1,
      shape: { kind: 'sampled', data: { tube_code: 'TB-1', tests: ['pcr'] } },
      checkpoint: 'HZ-G60-XS',
    },
    {
      minute: 2,
      shape: { kind: 'pcr_result', data: { result: 'positive' } },
      checkpoint: 'HZ-G60-XS',
    },
    {
      minute: 3,
      shape: { kind: 'pcr_result', data: { result: 'negative' } },
      checkpoint: 'HZ-G60-XS',
    },
  ],
  {
    order: [0, 1, 2],
    repeats: [],
    cuts: [1],
    restartAfter: [],
    crashOn: null,
    againAtTheEnd: false,
  },
] as const

type Generated = fc.Arbitrary<
  { minute: number; shape: { kind: string; data?: Record<string, unknown> }; checkpoint: string }[]
>
type LogicalEvent = Generated extends fc.Arbitrary<(infer E)[]> ? E : never

// ---- uploading -----------------------------------------------------------------------------

async function openLoop(): Promise<string> {
  clock.set(T0)
  const plate = `浙A${String(plates++).padStart(5, '0')}D`
  const res = await t.call('POST', '/api/v1/loops', {
    token: checkpoint,
    body: { plate, checkpoint_code: 'HZ-G60-XS' },
  })
  expect(res.status).toBe(201)
  clock.set(UPLOAD_AT)
  return res.json.loop.id
}

function wire(loopId: string, ids: string[], events: LogicalEvent[], index: number) {
  const e = events[index]
  return {
    id: ids[index],
    loop_id: loopId,
    kind: e.shape.kind,
    at: new Date(Date.parse(T0) + e.minute * 60_000).toISOString(),
    checkpoint_code: e.checkpoint,
    ...(e.shape.data === undefined ? {} : { data: e.shape.data }),
  }
}

/** Sends one request and checks each answer: `accepted` the first time an id is seen, `duplicate` after. */
async function upload(
  loopId: string,
  ids: string[],
  events: LogicalEvent[],
  batch: number[],
  seen: Set<number>,
  crash = false,
) {
  const body = { events: batch.map((i) => wire(loopId, ids, events, i)) }
  const expected = batch.map((i, k) =>
    seen.has(i) || batch.indexOf(i) < k ? 'duplicate' : 'accepted',
  )
  if (crash && expected.includes('accepted')) {
    crashAfterCommit(t.store, /INSERT INTO loop_events \(id/)
    const lost = await t.call('POST', '/api/v1/events', { token: checkpoint, body })
    expect(lost.status).toBe(500)
    for (const i of batch) seen.add(i)
    await restart() // the server died; the phone sends the same request to the new one
    return upload(loopId, ids, events, batch, seen)
  }
  const res = await t.call('POST', '/api/v1/events', { token: checkpoint, body })
  expect(res.status, res.text).toBe(200)
  expect(res.json.results.map((r: { status: string }) => r.status)).toEqual(expected)
  for (const i of batch) seen.add(i)
}

/** The loop as a client sees it, with everything that differs between two loops by construction taken out. */
async function finalState(loopId: string, ids: string[]) {
  const res = await t.call('GET', `/api/v1/loops/${loopId}`, { token: coordinator })
  expect(res.status, res.text).toBe(200)
  const { id: _id, plate: _plate, ...loop } = res.json
  const key = (id: string) => (ids.includes(id) ? `event#${ids.indexOf(id)}` : 'opening')
  return {
    ...loop,
    events: loop.events.map((e: Record<string, unknown>) => ({ ...e, id: key(e.id as string) })),
    // An alert's details are what was known when it opened (whom to notify, the tube code): a
    // snapshot, which may rightly differ when the events came in pieces. Its kind and status may not.
    alerts: loop.alerts
      .map(({ id: _a, loop_id: _l, details: _d, ...alert }: Record<string, any>) => alert)
      .sort((a: { kind: string }, b: { kind: string }) => a.kind.localeCompare(b.kind)),
  }
}

describe('offline replay', () => {
  it(
    `gives the same final loop whatever the order, repeats, batches, restarts and crashes (${RUNS} runs)`,
    { timeout: 30_000 + RUNS * 1_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(
          loopEvents.chain((events) => fc.tuple(fc.constant(events), uploadPlan(events.length))),
          async ([events, plan]) => {
            // Reference: once, in device-time order, in one request.
            const referenceLoop = await openLoop()
            const referenceIds = events.map(() => crypto.randomUUID())
            const inOrder = [...events.keys()].sort((a, b) => events[a].minute - events[b].minute)
            await upload(referenceLoop, referenceIds, events, inOrder, new Set())
            const expected = await finalState(referenceLoop, referenceIds)

            // The phone's way.
            const loopId = await openLoop()
            const ids = events.map(() => crypto.randomUUID())
            const sequence = [...plan.order]
            for (const r of plan.repeats)
              sequence.splice(r.position % (sequence.length + 1), 0, r.index)
            const cuts = new Set(plan.cuts.map((c) => (c % sequence.length) + 1))
            const batches: number[][] = [[]]
            sequence.forEach((index, position) => {
              if (cuts.has(position) && batches.at(-1)!.length > 0) batches.push([])
              batches.at(-1)!.push(index)
            })
            const restarts = new Set(plan.restartAfter.map((r) => r % batches.length))
            const crashOn = plan.crashOn === null ? -1 : plan.crashOn % batches.length
            const seen = new Set<number>()
            for (const [b, batch] of batches.entries()) {
              await upload(loopId, ids, events, batch, seen, b === crashOn)
              if (restarts.has(b)) await restart()
            }
            if (plan.againAtTheEnd) await upload(loopId, ids, events, [...events.keys()], seen)
            // A sweep between uploads changes nothing either.
            await sweepLoops({ store: t.store, config: t.config, clock })

            expect(await finalState(loopId, ids)).toEqual(expected)
          },
        ),
        {
          numRuns: RUNS,
          examples: [[POSITIVE_THEN_NEGATIVE_RETEST] as never],
          // Shrinking replays hundreds of uploads; the counterexample printed is clear enough.
          endOnFailure: true,
        },
      )
      expect(checkDatabase(file, undefined, { projectionsSettled: true }).problems).toEqual([])
    },
  )

  it('takes a late event for a loop that closed while the vehicle has come back', async () => {
    const t = await buildTestApp()
    const pass = await issuePass(t)
    const first = (await scan(t, { token: pass.token })).json.loop.id as string
    const sampled = event(t, first, 'sampled', { tube_code: 'TB-1', tests: ['pcr', 'antigen'] })
    // The antigen result is taken at once but its phone stays offline for a while.
    const lateAntigen = event(t, first, 'antigen_result', { result: 'positive' })
    await sendEvents(t, [
      sampled,
      event(t, first, 'pcr_result', { result: 'negative' }),
      event(t, first, 'released', { destination_code: 'HZ-TS-XS' }),
      event(t, first, 'departed'),
    ])
    expect((await t.call('GET', `/api/v1/loops/${first}`, { as: 'coordinator' })).json.state).toBe(
      'closed',
    )
    // The truck comes back: a new loop for the same plate.
    const second = await scan(t, { token: pass.token })
    expect(second.json).toMatchObject({ verdict: 'valid', loop: { state: 'arrived' } })
    // Another truck waits for its PCR result.
    const other = await issuePass(t, { plate: '沪A54321D' })
    const otherLoop = (await scan(t, { token: other.token })).json.loop.id as string
    await sendEvents(t, [event(t, otherLoop, 'sampled', { tube_code: 'TB-2' })])

    const late = await sendEvents(t, [lateAntigen])
    expect(late.status, late.text).toBe(200)
    expect(late.json.results[0]).toMatchObject({ status: 'accepted' })
    const old = await t.call('GET', `/api/v1/loops/${first}`, { as: 'coordinator' })
    expect(old.status, old.text).toBe(200)
    expect(old.json.alerts.map((a: { kind: string }) => a.kind)).toContain('antigen_positive')

    t.clock.advance(9 * 3_600_000)
    await expect(
      sweepLoops({ store: t.store, config: t.config, clock: t.clock }),
    ).resolves.toBeGreaterThan(0)
    const waiting = await t.call('GET', `/api/v1/alerts?status=open`, { as: 'coordinator' })
    expect(
      waiting.json.map((a: { loop_id: string; kind: string }) => `${a.loop_id}:${a.kind}`),
    ).toContain(`${otherLoop}:result_overdue`)
  })
})
