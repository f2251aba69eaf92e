import type { Deps } from '../app-env.ts'
import { auditEntry } from '../audit-log/audit-entry.ts'
import { eraseApplications, eraseArrivalReports, eraseScanInput } from './erase.ts'
import {
  applicationTrip,
  arrivalReportTrip,
  retentionCutoff,
  retentionVerdict,
  scanTrip,
  type TripFacts,
} from './retention.ts'
import {
  applicationsHeld,
  arrivalReportsHeld,
  scansHeld,
  type RetentionCursor,
  type RetentionPage,
} from './retention.repository.ts'

// The retention purge (issue 21): the daily job on Node (node.ts) and in the Workers cron
// (worker.ts). Rows due under retention.ts are erased in batches; each batch is one `atomic`:
// the erasing UPDATEs and one `personal.purge` audit entry with the counts (never contents), so
// neither exists without the other. A batch with nothing due writes nothing.

export interface PurgeOptions {
  /** Stop after erasing about this many rows in all (the Workers cron bounds its statements). */
  limit?: number
  /** Rows of each table per batch (one atomic write). */
  batchSize?: number
  /** Candidate rows read per statement. */
  pageSize?: number
}

export interface PurgeResult {
  applications: number
  arrival_reports: number
  scans: number
  /** Audited batches written. */
  batches: number
  cutoff: string
  /** False when `limit` stopped it with rows possibly left due (the next run goes on). */
  complete: boolean
}

/** D1 binds at most 100 parameters per statement: ids go in lists of at most this many. */
const IDS_PER_STATEMENT = 90

type Table = 'applications' | 'arrival_reports' | 'scans'

/** One table's walk through its held rows: the ids due on the next page, and where it goes on. */
interface Walk {
  table: Table
  /** The ids due among the next `limit` held rows after `after`. */
  readDue: (
    after: RetentionCursor,
    limit: number,
  ) => Promise<{ ids: string[]; next: RetentionCursor }>
  after: RetentionCursor
  done: boolean
}

export async function purgePersonalData(
  deps: Deps,
  options: PurgeOptions = {},
): Promise<PurgeResult> {
  const now = deps.clock()
  const days = deps.config.RETENTION_DAYS
  const cutoff = retentionCutoff(now, days)
  const batchSize = options.batchSize ?? 450
  const pageSize = options.pageSize ?? 200
  let budget = options.limit ?? Number.POSITIVE_INFINITY
  const db = deps.store.db
  const dueIds = <Row>(
    { rows, next }: RetentionPage<Row>,
    trip: (row: Row) => TripFacts,
  ): { ids: string[]; next: RetentionCursor } => ({
    ids: rows.filter((row) => retentionVerdict(trip(row), now, days).due).map((row) => row.id),
    next,
  })
  const walk = (table: Table, readDue: Walk['readDue']): Walk => ({
    table,
    readDue,
    after: null,
    done: false,
  })
  const walks: Walk[] = [
    walk('applications', async (after, limit) =>
      dueIds(await applicationsHeld(db, { cutoff, after, limit }), applicationTrip),
    ),
    walk('arrival_reports', async (after, limit) =>
      dueIds(await arrivalReportsHeld(db, { cutoff, after, limit }), arrivalReportTrip),
    ),
    walk('scans', async (after, limit) =>
      dueIds(await scansHeld(db, { cutoff, after, limit }), scanTrip),
    ),
  ]
  const result: PurgeResult = {
    applications: 0,
    arrival_reports: 0,
    scans: 0,
    batches: 0,
    cutoff,
    complete: true,
  }

  while (walks.some((walk) => !walk.done)) {
    if (budget <= 0) {
      result.complete = false
      break
    }
    const due: Record<Table, string[]> = { applications: [], arrival_reports: [], scans: [] }
    for (const walk of walks) {
      const wanted = Math.min(batchSize, budget)
      while (!walk.done && due[walk.table].length < wanted) {
        // Never more rows than the batch still takes, so a batch is never overfull.
        const limit = Math.min(pageSize, wanted - due[walk.table].length)
        const { ids, next } = await walk.readDue(walk.after, limit)
        due[walk.table].push(...ids)
        walk.after = next
        walk.done = next === null
      }
      budget -= due[walk.table].length
    }
    const total = due.applications.length + due.arrival_reports.length + due.scans.length
    if (total === 0) continue
    const at = now.toISOString()
    await deps.store.atomic([
      ...chunks(due.applications).map((ids) => eraseApplications(db, { ids }, at)),
      ...chunks(due.arrival_reports).map((ids) => eraseArrivalReports(db, { ids }, at)),
      ...chunks(due.scans).map((ids) => eraseScanInput(db, { ids }, at)),
      auditEntry(now, {
        actor: 'system',
        action: 'personal.purge',
        subject: 'retention',
        after: {
          applications: due.applications.length,
          arrival_reports: due.arrival_reports.length,
          scans: due.scans.length,
          retention_days: days,
          cutoff,
        },
      }),
    ])
    result.applications += due.applications.length
    result.arrival_reports += due.arrival_reports.length
    result.scans += due.scans.length
    result.batches += 1
  }
  return result
}

function chunks(ids: string[]): string[][] {
  const out: string[][] = []
  for (let i = 0; i < ids.length; i += IDS_PER_STATEMENT)
    out.push(ids.slice(i, i + IDS_PER_STATEMENT))
  return out
}
