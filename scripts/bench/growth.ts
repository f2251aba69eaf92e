// History for the growth test: loops at a constant rate per day, newest first, each step adding
// older history (so the last 31 days, what the firm's audit report covers by default, look the same
// at 10k, 100k and 1M loops, as they would in a deployment that simply ran longer). About five
// events per loop; alerts where the story has them; passes per vehicle per 30 days; a few failed
// scans. Everything goes straight into SQLite with prepared statements in big transactions.
import Sqlite from 'better-sqlite3'
import { Kysely, SqliteDialect, type CompiledQuery } from 'kysely'
import type { Database } from '../../src/database.ts'
import { findLoop, loopBoardPage, loopEvents } from '../../src/loops/loops.repository.ts'
import { alertsOfLoop, listAlertsWithPlate } from '../../src/alerts/alerts.repository.ts'
import { listArrivalReports } from '../../src/arrivals/arrivals.repository.ts'
import { visiblePassesQuery } from '../../src/passes/passes.repository.ts'
import {
  listApplications,
  waitingApplicationsQuery,
} from '../../src/applications/applications.repository.ts'
import { readPage } from '../../src/http/paging.ts'
import {
  DAY,
  HOUR,
  MINUTE,
  fleetPlate,
  loopWriter,
  passWriter,
  plateSequence,
  prepareInsert,
  ROUTES,
  type AlertSpec,
  type EventSpec,
  type LoopLimits,
  type LoopSpec,
} from './fixtures.ts'

export interface GrowthOptions {
  now: Date
  loopsPerDay: number
  vehicles: number
  issuer: string
  kid: string
  crews: string[]
  /** demo-ent-1 first: it owns one vehicle in fifty (a large firm); the rest share the others. */
  enterprises: string[]
  limits: LoopLimits
}

export interface GrowthState {
  generated: number
  serial: number
  passes: Map<string, string>
  openPlates: Set<string>
  nextSpecialPlate: () => string
}

export function newGrowthState(): GrowthState {
  return {
    generated: 0,
    serial: 0,
    passes: new Map(),
    openPlates: new Set(),
    nextSpecialPlate: plateSequence('DEFGHJKLMN'),
  }
}

/** Small fast PRNG, seeded per loop so a step's data does not depend on the steps before it. */
function mulberry32(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const ENTRIES = [
  'HZ-G60-XS',
  'HZ-G60-XS',
  'HZ-G60-XS',
  'HZ-G60-XS',
  'HZ-G60-XS',
  'HZ-G92-YH',
  'HZ-G92-YH',
  'HZ-G92-YH',
  'HZ-RD-104',
  'HZ-RD-104',
]

/** Adds loops until `target` exist in the history; returns counts and timings. */
export function generateGrowth(
  db: Sqlite.Database,
  state: GrowthState,
  target: number,
  o: GrowthOptions,
) {
  const started = performance.now()
  const writer = loopWriter(db, o.limits)
  const writePass = passWriter(db, o.issuer)
  const insertScan = prepareInsert(db, 'scans', [
    'id',
    'checkpoint_code',
    'account_id',
    'scanned_at',
    'received_at',
    'pass_number',
    'plate',
    'observed_plate',
    'enterprise_id',
    'verdict',
    'reasons',
    'action',
    'loop_id',
    'raw',
    'response',
  ])
  const spacing = DAY / o.loopsPerDay
  const nowMs = o.now.getTime()
  let open = 0
  let passes = 0
  let failedScans = 0
  const chunk = 25_000

  while (state.generated < target) {
    const end = Math.min(target, state.generated + chunk)
    db.transaction(() => {
      for (let i = state.generated; i < end; i++) {
        const rand = mulberry32(i * 2654435761)
        const t0 = new Date(nowMs - i * spacing - rand() * spacing)
        const age = nowMs - t0.getTime()
        const vehicle = Math.floor(rand() * o.vehicles)
        const firm =
          vehicle % 50 === 0
            ? o.enterprises[0]
            : o.enterprises[1 + (vehicle % (o.enterprises.length - 1))]
        const bucket = Math.floor(age / (30 * DAY))
        const passKey = `${vehicle}:${bucket}`
        let passNumber = state.passes.get(passKey)
        if (!passNumber) {
          const validFrom = new Date(nowMs - (bucket + 1) * 30 * DAY + HOUR)
          const route = ROUTES[vehicle % ROUTES.length]
          passNumber = writePass({
            serial: ++state.serial,
            plate: fleetPlate(vehicle),
            enterpriseId: firm,
            ...route,
            validFrom,
            validUntil: new Date(validFrom.getTime() + 30 * DAY - MINUTE),
            issuedAt: new Date(validFrom.getTime() - HOUR),
            kid: o.kid,
            token: null, // signed lazily by the service when first read (ensureToken)
            crew: o.crews[vehicle % o.crews.length],
            status: bucket === 0 ? 'active' : 'superseded',
          })
          state.passes.set(passKey, passNumber)
          passes++
        }
        const entry = ENTRIES[Math.floor(rand() * ENTRIES.length)]
        const { spec, closesAfter } = story(rand(), rand(), t0, entry)
        const willBeOpen = closesAfter === null || age < closesAfter
        let plate = fleetPlate(vehicle)
        if (willBeOpen) {
          if (state.openPlates.has(plate)) plate = state.nextSpecialPlate()
          state.openPlates.add(plate)
          open++
        }
        const loopId = crypto.randomUUID()
        writer.write({ ...spec, id: loopId, plate, passNumber, enterpriseId: firm }, o.now)
        if (rand() < 0.02) {
          const at = new Date(t0.getTime() - 2 * MINUTE).toISOString()
          const id = crypto.randomUUID()
          const reasons = rand() < 0.5 ? ['plate_mismatch'] : ['superseded']
          insertScan({
            id,
            checkpoint_code: entry,
            account_id: 'bench',
            scanned_at: at,
            received_at: at,
            pass_number: passNumber,
            plate: fleetPlate(vehicle),
            observed_plate: reasons[0] === 'plate_mismatch' ? fleetPlate(vehicle + 1) : null,
            enterprise_id: firm,
            verdict: 'invalid',
            reasons: JSON.stringify(reasons),
            action: 'control_on_site',
            loop_id: null,
            raw: JSON.stringify({ id, token: '(bench)', checkpoint_code: entry }),
            response: JSON.stringify({
              id,
              verdict: 'invalid',
              reasons,
              action: 'control_on_site',
            }),
          })
          failedScans++
        }
      }
    })()
    state.generated = end
  }
  return {
    seconds: (performance.now() - started) / 1000,
    open,
    passes,
    failedScans,
    ...writer.counts(),
  }
}

/**
 * One loop's story, with when it closes (ms after arrival; null: never, a neglected stale loop).
 *  60% sampled, released, negative PCR, departed (5 events)
 *  25% via the transfer station: sampled, released, arrived, handed over, negative PCR (6)
 *   8% a certificate checked instead of sampling (5)
 *   4% the PCR result came late: result_overdue opened, resolved when it came (5)
 *   2% never seen after release: overdue alerts; closed by hand after 3 days, one in ten never
 *   1% PCR positive: pcr_positive alert, resolved and the loop closed by hand after 2 days
 */
function story(
  r: number,
  r2: number,
  t0: Date,
  entry: string,
): { spec: Omit<LoopSpec, 'plate' | 'passNumber' | 'enterpriseId'>; closesAfter: number | null } {
  const at = (ms: number) => new Date(t0.getTime() + ms)
  const tube = `T${t0.getTime().toString(36).toUpperCase()}`
  const arrived: EventSpec = { kind: 'arrived', at: t0, checkpoint: entry }
  const sampled: EventSpec = {
    kind: 'sampled',
    at: at(3 * MINUTE),
    checkpoint: entry,
    data: { tube_code: tube, tests: ['pcr', 'antigen'] },
  }
  const released = (dest: string): EventSpec => ({
    kind: 'released',
    at: at(6 * MINUTE),
    checkpoint: entry,
    data: { destination_code: dest },
  })
  const pcr = (ms: number, result: 'negative' | 'positive'): EventSpec => ({
    kind: 'pcr_result',
    at: at(ms),
    checkpoint: entry,
    data: { result },
  })
  if (r < 0.6) {
    return {
      spec: {
        entry,
        events: [
          arrived,
          sampled,
          released('HZ-DEST-BJ'),
          pcr(5 * HOUR, 'negative'),
          { kind: 'departed', at: at(6 * HOUR), checkpoint: 'HZ-DEST-BJ' },
        ],
      },
      closesAfter: 6 * HOUR,
    }
  }
  if (r < 0.85) {
    return {
      spec: {
        entry,
        events: [
          arrived,
          sampled,
          released('HZ-TS-XS'),
          { kind: 'destination_arrived', at: at(90 * MINUTE), checkpoint: 'HZ-TS-XS' },
          { kind: 'handed_over', at: at(2 * HOUR), checkpoint: 'HZ-TS-XS' },
          pcr(5 * HOUR, 'negative'),
        ],
      },
      closesAfter: 5 * HOUR,
    }
  }
  if (r < 0.93) {
    return {
      spec: {
        entry,
        events: [
          arrived,
          {
            kind: 'certificate_checked',
            at: at(2 * MINUTE),
            checkpoint: entry,
            data: { sampled_at: new Date(t0.getTime() - 20 * HOUR).toISOString() },
          },
          {
            kind: 'released',
            at: at(4 * MINUTE),
            checkpoint: entry,
            data: { destination_code: 'HZ-DEST-BJ' },
          },
          { kind: 'destination_arrived', at: at(HOUR), checkpoint: 'HZ-DEST-BJ' },
          { kind: 'departed', at: at(3 * HOUR), checkpoint: 'HZ-DEST-BJ' },
        ],
      },
      closesAfter: 3 * HOUR,
    }
  }
  if (r < 0.97) {
    const alerts: AlertSpec[] = [
      {
        kind: 'result_overdue',
        openedAt: at(8 * HOUR + 4 * MINUTE),
        status: 'resolved',
        resolvedAt: at(10 * HOUR + 30 * MINUTE),
      },
    ]
    return {
      spec: {
        entry,
        events: [
          arrived,
          sampled,
          released('HZ-DEST-BJ'),
          pcr(10 * HOUR, 'negative'),
          { kind: 'departed', at: at(11 * HOUR), checkpoint: 'HZ-DEST-BJ' },
        ],
        alerts,
      },
      closesAfter: 11 * HOUR,
    }
  }
  if (r < 0.99) {
    const neglected = r2 < 0.1
    const closeAt = at(3 * DAY)
    const status = neglected ? (r2 < 0.05 ? 'open' : 'acknowledged') : 'resolved'
    const alerts: AlertSpec[] = [
      {
        kind: 'destination_overdue',
        openedAt: at(6 * HOUR + 7 * MINUTE),
        status,
        resolvedAt: closeAt,
      },
      { kind: 'result_overdue', openedAt: at(8 * HOUR + 4 * MINUTE), status, resolvedAt: closeAt },
    ]
    return {
      spec: {
        entry,
        events: [arrived, sampled, released('HZ-DEST-BJ')],
        alerts,
        manualClose: neglected
          ? undefined
          : { at: closeAt, note: '车辆已离开本市, 核实后关闭 (bench)' },
      },
      closesAfter: neglected ? null : 3 * DAY,
    }
  }
  const closeAt = at(2 * DAY)
  const alerts: AlertSpec[] = [
    {
      kind: 'pcr_positive',
      openedAt: at(5 * HOUR + MINUTE),
      status: 'resolved',
      resolvedAt: closeAt,
    },
    {
      kind: 'destination_overdue',
      openedAt: at(6 * HOUR + 7 * MINUTE),
      status: 'resolved',
      resolvedAt: closeAt,
    },
  ]
  return {
    spec: {
      entry,
      events: [arrived, sampled, released('HZ-DEST-BJ'), pcr(5 * HOUR, 'positive')],
      alerts,
      manualClose: { at: closeAt, note: '阳性: 已就地管控并移交 (bench)' },
    },
    closesAfter: 2 * DAY,
  }
}

// ---------------------------------------------------------------------------------------------
// The pages' queries at each size, through the repository functions the pages call (src/ui/pages
// read only through them), on the database file directly: a page's HTML adds nothing that grows.

export interface PageQueryTiming {
  /** What the page shows. */
  page: string
  rows: number
  cold_ms: number
  median_ms: number
  max_ms: number
  /** Each statement the repository ran, with its plan. */
  sql: { sql: string; plan: string[] }[]
}

export interface PageQueryOptions {
  now: Date
  /** A plate with a long history: its newest loop is the loop page's. */
  plate: string
  /** A checkpoint whose staff's arrivals page is timed. */
  checkpoint: string
  /** A firm whose passes page is timed. */
  enterpriseId: string
  runs: number
}

/** What each page runs, as the page runs it (see src/ui/pages/*.tsx). */
function pageReads(
  db: Kysely<Database>,
  o: PageQueryOptions & { loopId: string },
): Record<string, { page: string; read: () => Promise<unknown[]> }> {
  const firm = { coordinator: false, enterpriseId: o.enterpriseId }
  return {
    // The board's first page as the page asks for it: open loops, alerting first, and their count.
    page_open_loops: {
      page: '/ui/loops',
      read: async () => (await loopBoardPage(db, { state: 'open' }, { limit: 50, offset: 0 })).rows,
    },
    page_queue: {
      page: '/ui/queue',
      read: async () =>
        (await readPage(waitingApplicationsQuery(db), { limit: 50, offset: 0 })).rows,
    },
    page_alerts: {
      page: '/ui/alerts',
      read: () => listAlertsWithPlate(db, { status: 'active', limit: 300 }),
    },
    page_loop: {
      page: '/ui/loops/:id',
      read: async () => {
        const [loop, events, alerts] = await Promise.all([
          findLoop(db, o.loopId),
          loopEvents(db, o.loopId),
          alertsOfLoop(db, o.loopId),
        ])
        return [loop, ...events, ...alerts]
      },
    },
    page_arrivals: {
      page: '/ui/arrivals',
      read: () =>
        listArrivalReports(db, {
          checkpoints: [o.checkpoint],
          from: new Date(o.now.getTime() - 48 * HOUR),
          now: o.now,
          limit: 300,
        }),
    },
    page_passes: {
      page: '/ui/passes',
      read: async () => {
        const [applications, passes] = await Promise.all([
          listApplications(db, { enterpriseId: o.enterpriseId, limit: 100, offset: 0 }),
          visiblePassesQuery(db, firm, { now: o.now }).limit(100).execute(),
        ])
        return [...applications, ...passes]
      },
    },
  }
}

/** Times each page's reads on `file` (opened read-only): the first run, then the median of `runs`. */
export async function timePageQueries(
  file: string,
  o: PageQueryOptions,
): Promise<Record<string, PageQueryTiming>> {
  const sqlite = new Sqlite(file, { readonly: true })
  const seen: CompiledQuery[] = []
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: sqlite }),
    log: (event) => {
      if (event.level === 'query') seen.push(event.query)
    },
  })
  try {
    const loopId = sqlite
      .prepare('SELECT id FROM loops WHERE plate = ? ORDER BY opened_at DESC LIMIT 1')
      .pluck()
      .get(o.plate) as string | undefined
    const out: Record<string, PageQueryTiming> = {}
    for (const [name, { page, read }] of Object.entries(
      pageReads(db, { ...o, loopId: loopId ?? '' }),
    )) {
      const times: number[] = []
      let rows = 0
      for (let i = 0; i <= o.runs; i++) {
        seen.length = 0
        const started = performance.now()
        rows = (await read()).length
        times.push(performance.now() - started)
      }
      const [cold, ...warm] = times
      warm.sort((a, b) => a - b)
      const sql = seen.map((q) => ({
        sql: q.sql,
        plan: (
          sqlite.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...(q.parameters as unknown[])) as {
            detail: string
          }[]
        ).map((r) => r.detail),
      }))
      const ms = (x: number) => Math.round(x * 100) / 100
      out[name] = {
        page,
        rows,
        cold_ms: ms(cold),
        median_ms: ms(warm[Math.floor(warm.length / 2)] ?? cold),
        max_ms: ms(warm.at(-1) ?? cold),
        sql,
      }
    }
    return out
  } finally {
    await db.destroy()
  }
}
