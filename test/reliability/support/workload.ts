import { applicationBody, residentId } from '../../support/fixtures.ts'
import { startOfChinaDay } from '../../../src/applications/rules.ts'
import { sleep } from './server.ts'

/**
 * Traffic as roadside devices make it against a real server that may die at any moment: each
 * request is retried with the same body (the same UUIDs) until it gets an answer, as an offline
 * device does, and every answer that acknowledges a write is recorded for the checks afterwards.
 */

export const CHECKPOINTS = ['HZ-G60-XS', 'HZ-TS-XS', 'HZ-DEST-BJ'] as const
export const DEMO = {
  enterprise: { username: 'enterprise', password: 'tongxing-firm' },
  coordinator: { username: 'coordinator', password: 'tongxing-coord' },
  checkpoint: { username: 'checkpoint', password: 'tongxing-check' },
} as const
export type DemoRole = keyof typeof DEMO

export interface Acks {
  /** Event id → loop id, for every event the server answered `accepted` (or `duplicate` on a retry). */
  events: Map<string, string>
  /** Events answered `rejected` (unknown loop): they must not be stored. */
  rejectedEvents: Set<string>
  /** Scan id → the answer given with 200. */
  scans: Map<string, Record<string, any>>
  /** Pass numbers answered 201 on approval, with the application they came from. */
  passes: Map<string, string>
  stats: {
    requests: number
    connectionErrors: number
    retries: number
    accepted: number
    duplicateOnRetry: number
    statuses: Record<string, number>
    /** 5xx answers: a crash must never produce one. */
    serverErrors: string[]
  }
}

export function newAcks(): Acks {
  return {
    events: new Map(),
    rejectedEvents: new Set(),
    scans: new Map(),
    passes: new Map(),
    stats: {
      requests: 0,
      connectionErrors: 0,
      retries: 0,
      accepted: 0,
      duplicateOnRetry: 0,
      statuses: {},
      serverErrors: [],
    },
  }
}

/** Open while the server is up; closed (requests wait) from just before a kill until it is healthy again. */
export class Gate {
  private waiting: Promise<void> = Promise.resolve()
  private release: (() => void) | null = null
  url = ''
  down() {
    if (this.release) return
    this.waiting = new Promise((resolve) => (this.release = resolve))
  }
  up(url: string) {
    this.url = url
    this.release?.()
    this.release = null
  }
  ready() {
    return this.waiting
  }
  get isDown() {
    return this.release !== null
  }
}

export interface Reply {
  status: number
  json: any
}

/** One API call, retried with the same body until the server answers or `stop()` says so. */
export async function call(
  gate: Gate,
  acks: Acks,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; stop?: () => boolean } = {},
): Promise<Reply | null> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body)
  for (let attempt = 0; ; attempt++) {
    await gate.ready()
    if (options.stop?.() && attempt > 0) return null
    if (attempt > 0) acks.stats.retries++
    acks.stats.requests++
    try {
      const res = await fetch(gate.url + path, {
        method,
        headers: {
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
        body,
        signal: AbortSignal.timeout(20_000),
      })
      const text = await res.text()
      acks.stats.statuses[res.status] = (acks.stats.statuses[res.status] ?? 0) + 1
      if (res.status >= 500)
        acks.stats.serverErrors.push(`${method} ${path} → ${res.status} ${text.slice(0, 300)}`)
      let json: any
      try {
        json = text ? JSON.parse(text) : undefined
      } catch {
        json = undefined
      }
      return { status: res.status, json }
    } catch {
      // The server died under the request (or is not back yet): wait for it and send the same again.
      acks.stats.connectionErrors++
      if (!gate.isDown) await sleep(20)
    }
  }
}

export async function login(gate: Gate, acks: Acks, role: DemoRole): Promise<string> {
  const reply = await call(gate, acks, 'POST', '/api/v1/auth/login', { body: DEMO[role] })
  if (reply?.status !== 200)
    throw new Error(`login ${role}: ${reply?.status} ${JSON.stringify(reply?.json)}`)
  return reply.json.token
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]
const chance = (p: number) => Math.random() < p

/** A plate nobody else in this run uses: 沪A + 5 digits + D (a large new-energy vehicle). */
export function plateMaker() {
  const base = 10_000 + Math.floor(Math.random() * 80_000)
  let n = 0
  return () => `沪A${String((base + n++) % 100_000).padStart(5, '0')}D`
}

/** A body `POST /applications` accepts at the real clock: valid from the start of today, China time. */
export function liveApplicationBody(plate: string, n: number) {
  const now = new Date()
  return applicationBody({
    plate,
    crew: [
      {
        name: '张三',
        id_number: residentId('19850312', String(100 + (n % 900))),
        phone: `138${String(10_000_000 + n).slice(-8)}`,
      },
    ],
    valid_from: startOfChinaDay(now).toISOString(),
    valid_until: new Date(now.getTime() + 20 * 86_400_000).toISOString(),
  })
}

export interface Pass {
  number: string
  token: string
  plate: string
}

export interface World {
  gate: Gate
  acks: Acks
  tokens: Record<DemoRole, string>
  passes: Pass[]
  loops: string[]
  plate: () => string
  made: number
}

/** Applies as the demo enterprise and approves as the coordinator; records the pass if the approval was answered. */
export async function makePass(world: World, stop?: () => boolean): Promise<Pass | null> {
  const { gate, acks, tokens } = world
  const plate = world.plate()
  const applied = await call(gate, acks, 'POST', '/api/v1/applications', {
    token: tokens.enterprise,
    body: liveApplicationBody(plate, world.made++),
    stop,
  })
  if (applied?.status !== 201) {
    if (applied) throw new Error(`apply: ${applied.status} ${JSON.stringify(applied.json)}`)
    return null
  }
  const approved = await call(
    gate,
    acks,
    'POST',
    `/api/v1/applications/${applied.json.id}/approve`,
    { token: tokens.coordinator, stop },
  )
  // 409 on a retry: the first approval was stored but its answer lost in the crash. Not acknowledged.
  if (approved?.status !== 201) return null
  acks.passes.set(approved.json.number, applied.json.id)
  const pass = {
    number: approved.json.number,
    token: approved.json.token,
    plate: approved.json.plate,
  }
  world.passes.push(pass)
  return pass
}

/** One scan with a fresh UUID; a valid entry scan adds its loop to the world. */
export async function scanOnce(world: World, pass: Pass, checkpoint: string, stop?: () => boolean) {
  const { gate, acks, tokens } = world
  const id = crypto.randomUUID()
  const reply = await call(gate, acks, 'POST', '/api/v1/scans', {
    token: tokens.checkpoint,
    body: { id, token: pass.token, checkpoint_code: checkpoint },
    stop,
  })
  if (!reply) return null
  if (reply.status !== 200) throw new Error(`scan: ${reply.status} ${JSON.stringify(reply.json)}`)
  acks.scans.set(id, reply.json)
  const loopId = reply.json?.loop?.id
  if (loopId && !world.loops.includes(loopId)) world.loops.push(loopId)
  return reply.json
}

const EVENT_SHAPES: [string, () => Record<string, unknown> | undefined][] = [
  [
    'sampled',
    () => ({
      tube_code: `TB-${Math.floor(Math.random() * 1e6)}`,
      tests: chance(0.5) ? ['pcr', 'antigen'] : ['pcr'],
    }),
  ],
  ['antigen_result', () => ({ result: chance(0.9) ? 'negative' : 'positive' })],
  ['pcr_result', () => ({ result: chance(0.9) ? 'negative' : 'positive' })],
  ['released', () => ({ destination_code: pick(['HZ-TS-XS', 'HZ-DEST-BJ']) })],
  ['certificate_checked', () => undefined],
  ['destination_arrived', () => undefined],
  ['handed_over', () => undefined],
  ['departed', () => undefined],
]

/** A batch of 1–25 events with fresh UUIDs for known loops, now and then one for a loop that does not exist. */
export async function sendEventBatch(world: World, stop?: () => boolean) {
  const { gate, acks, tokens } = world
  if (world.loops.length === 0) return
  const size = 1 + Math.floor(Math.random() * 25)
  const events: Record<string, unknown>[] = []
  const unknown = new Set<string>()
  for (let i = 0; i < size; i++) {
    const [kind, data] = pick(EVENT_SHAPES)
    const loopId = chance(0.03) ? `no-such-loop-${crypto.randomUUID()}` : pick(world.loops)
    const id = crypto.randomUUID()
    if (loopId.startsWith('no-such-loop')) unknown.add(id)
    const d = data()
    events.push({
      id,
      loop_id: loopId,
      kind,
      at: new Date(Date.now() - Math.floor(Math.random() * 50 * 60_000)).toISOString(),
      checkpoint_code: pick(CHECKPOINTS),
      ...(d ? { data: d } : {}),
    })
  }
  const reply = await call(gate, acks, 'POST', '/api/v1/events', {
    token: tokens.checkpoint,
    body: { events },
    stop,
  })
  if (!reply) return
  if (reply.status !== 200) throw new Error(`events: ${reply.status} ${JSON.stringify(reply.json)}`)
  const results = reply.json.results as { id: string; status: string; error?: { code: string } }[]
  results.forEach((result, i) => {
    const sent = events[i]
    if (result.id !== sent.id)
      throw new Error(`result ${i} names ${result.id}, sent ${String(sent.id)}`)
    if (result.status === 'accepted' || result.status === 'duplicate') {
      if (unknown.has(result.id))
        throw new Error(`event for a missing loop answered ${result.status}`)
      acks.events.set(result.id, sent.loop_id as string)
      if (result.status === 'accepted') acks.stats.accepted++
      else acks.stats.duplicateOnRetry++
    } else if (
      result.status === 'rejected' &&
      (unknown.has(result.id) || result.error?.code === 'loop_full')
    ) {
      // A loop holds at most MAX_LOOP_EVENTS events: the random workload fills some loops up.
      acks.rejectedEvents.add(result.id)
    } else {
      throw new Error(
        `event ${result.id} answered ${result.status} ${JSON.stringify(result.error)}`,
      )
    }
  })
}

/** One concurrent client: events (60 %), scans (32 %), new passes (8 %), until `stop()`. */
export async function client(world: World, stop: () => boolean) {
  while (!stop()) {
    const roll = Math.random()
    if (roll < 0.6) await sendEventBatch(world, stop)
    else if (roll < 0.92) await scanOnce(world, pick(world.passes), pick(CHECKPOINTS), stop)
    else await makePass(world, stop)
  }
}

/** Signs in as each demo role against a running server and starts an empty world of passes and loops. */
export async function newWorld(url: string): Promise<World> {
  const gate = new Gate()
  gate.up(url)
  const acks = newAcks()
  return {
    gate,
    acks,
    tokens: {
      enterprise: await login(gate, acks, 'enterprise'),
      coordinator: await login(gate, acks, 'coordinator'),
      checkpoint: await login(gate, acks, 'checkpoint'),
    },
    passes: [],
    loops: [],
    plate: plateMaker(),
    made: 0,
  }
}
