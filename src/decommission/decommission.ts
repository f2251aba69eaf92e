import { sql, type Kysely } from 'kysely'
import type { Deps } from '../app-env.ts'
import type { Database } from '../database.ts'
import { conflict } from '../http/errors.ts'
import { abortUnless } from '../db/guard.ts'
import { eraseApplications, eraseArrivalReports, eraseScanInput } from '../personal-data/erase.ts'
import { latestSignedHead, sealAudit, sealingStopped } from '../audit/chain.ts'
import { ownStatusList } from '../trust/own-status-list.ts'
import type { DecommissionReport } from './report.ts'

// The end of the service (issue 21): every pass still valid is revoked with the reason, the final
// status list is signed, all personal data is erased, the audit log gets its last entry and a
// signed seal over it, and the report of it all is kept in `decommissions` (one row, once). The
// row is written first, marked in progress: from then on new applications, approvals, bookings and
// anything else that takes personal data are refused (refuse-after-decommission.ts), and a run
// that stopped half-way is finished by running it again, every step being idempotent.

/** Passes revoked per write: three statements each, no bound list (D1 caps both). */
export const REVOKE_CHUNK = 500

export interface DecommissionRequest {
  actor: string
  reason: string
  /** Where the status list is published (its `sub`). */
  statusListAddress: string
  /** Count what would be done; write nothing. */
  dryRun?: boolean
}

type StoredReport = DecommissionReport | InProgress
interface InProgress {
  status: 'in_progress'
  at: string
  actor: string
  reason: string
}

/** The stored report, or null before any decommission (an unfinished one says `in_progress`). */
export async function findDecommission(db: Kysely<Database>): Promise<StoredReport | null> {
  const row = await db.selectFrom('decommissions').select('report').executeTakeFirst()
  return row ? (JSON.parse(row.report) as StoredReport) : null
}

/** Whether a decommission has begun (finished or not): the service takes no new work then. */
export async function decommissionBegun(db: Kysely<Database>): Promise<boolean> {
  return (await db.selectFrom('decommissions').select('id').executeTakeFirst()) !== undefined
}

/** What a decommission would touch now: the same counts the real run reports. */
export async function decommissionCounts(db: Kysely<Database>, now: Date) {
  const row = await sql<Record<string, number>>`
    SELECT
      (SELECT count(*) FROM passes WHERE status = 'active' AND valid_until >= ${now.toISOString()}) AS to_revoke,
      (SELECT count(*) FROM passes WHERE status = 'active' AND valid_until < ${now.toISOString()}) AS expired,
      (SELECT count(*) FROM passes WHERE status = 'revoked') AS revoked,
      (SELECT count(*) FROM passes WHERE status = 'superseded') AS superseded,
      (SELECT count(*) FROM applications WHERE personal_erased_at IS NULL) AS applications,
      (SELECT count(*) FROM arrival_reports WHERE personal_erased_at IS NULL) AS arrival_reports,
      (SELECT count(*) FROM scans WHERE personal_erased_at IS NULL) AS scans,
      (SELECT count(*) FROM vehicles WHERE crew <> '[]') AS vehicles,
      (SELECT count(*) FROM enterprises WHERE ${contactHeld}) AS enterprise_contacts`.execute(db)
  const n = (key: string) => Number(row.rows[0]?.[key] ?? 0)
  return {
    passes: {
      revoked: n('to_revoke'),
      left_expired: n('expired'),
      already_revoked: n('revoked'),
      superseded: n('superseded'),
    },
    erased: {
      applications: n('applications'),
      arrival_reports: n('arrival_reports'),
      scans: n('scans'),
      vehicles: n('vehicles'),
      enterprise_contacts: n('enterprise_contacts'),
    },
  }
}

// A firm's contact person (name and phone) is personal data too; the firm's own name stays.
const contactHeld = sql<boolean>`(contact_name <> '' OR contact_phone_enc <> '' OR contact_phone_masked <> '')`

/**
 * Decommissions the service, or with `dryRun` says what it would do. A finished decommission is
 * 409 `already_decommissioned`; an unfinished one (the process stopped) is resumed with its own
 * time, actor and reason.
 */
export async function decommission(
  deps: Deps,
  request: DecommissionRequest,
): Promise<DecommissionReport> {
  const { store } = deps
  const existing = await findDecommission(store.db)
  if (existing && existing.status !== 'in_progress') throw alreadyDone()
  const now = deps.clock()
  if (request.dryRun) {
    return {
      status: 'dry_run',
      dry_run: true,
      at: now.toISOString(),
      actor: request.actor,
      reason: request.reason,
      ...(await decommissionCounts(store.db, now)),
      audit: null,
      status_list: null,
      completed_at: null,
    }
  }
  const run: InProgress = existing ?? {
    status: 'in_progress',
    at: now.toISOString(),
    actor: request.actor,
    reason: request.reason,
  }
  if (!existing) {
    await store.atomic([
      abortUnless(
        sql`NOT EXISTS (SELECT 1 FROM decommissions)`,
        'already_decommissioned',
        ALREADY_DONE,
      ),
      store.db.insertInto('decommissions').values({
        id: 1,
        at: run.at,
        actor: run.actor,
        reason: run.reason,
        report: JSON.stringify(run),
      }),
    ])
  }
  const before = await decommissionCounts(store.db, now)
  await revokeEveryValidPass(deps, run, now)
  const erased = await eraseAllPersonalData(deps, run)
  const passesRevoked = await countRevokedBy(store.db, run)
  // The last entry sealed and signed at once (and anchored, where there is an anchor).
  await sealAudit(deps, { anchorNow: true })
  const head = await latestSignedHead(deps)
  const lastEntry = await store.db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('action', '=', 'service.decommission')
    .executeTakeFirst()
  const entrySeq = Number(lastEntry?.seq ?? 0)
  const list = await ownStatusList(deps, request.statusListAddress)
  const report: DecommissionReport = {
    status: 'completed',
    dry_run: false,
    at: run.at,
    actor: run.actor,
    reason: run.reason,
    passes: { ...before.passes, revoked: passesRevoked },
    erased,
    audit: {
      entry_seq: entrySeq,
      seal: head
        ? {
            seq: head.head.seq,
            hash: head.head.hash,
            at: head.head.at,
            kid: head.head.kid,
            signature: head.head.token,
          }
        : null,
      covers_last_entry: head !== null && head.head.seq >= entrySeq,
      anchored: head?.anchored ?? false,
      sealing_stopped: sealingStopped(store) !== null,
    },
    status_list: {
      jwt: list.jwt,
      version: list.claims.version,
      iat: list.claims.iat,
      exp: list.claims.exp,
      sub: list.claims.sub,
    },
    completed_at: deps.clock().toISOString(),
  }
  // Written once: a second run racing this one (both resuming) answers 409 rather than overwrite.
  const [kept] = await store.atomic([
    store.db
      .updateTable('decommissions')
      .set({ report: JSON.stringify(report) })
      .where('id', '=', 1)
      .where(sql<boolean>`json_extract(report, '$.status') = 'in_progress'`),
  ])
  if (kept.changes === 0) throw alreadyDone()
  return report
}

const ALREADY_DONE = 'the service has already been decommissioned'
const alreadyDone = () => conflict('already_decommissioned', ALREADY_DONE)

/**
 * Every pass still valid (active, its window not over) revoked as a coordinator revokes one: the
 * pass, its status change (the status list's version) and its `pass.revoke` audit entry, a chunk
 * at a time. The chunk is chosen in SQL by each statement alike, the UPDATE last, so the three
 * agree without a list of numbers bound into them. An expired pass is left: its window refuses it.
 */
async function revokeEveryValidPass(deps: Deps, run: InProgress, now: Date) {
  const { store } = deps
  const db = store.db
  const valid = now.toISOString()
  const chunk = sql`number IN (SELECT number FROM passes WHERE status = 'active'
    AND valid_until >= ${valid} ORDER BY number LIMIT ${REVOKE_CHUNK})`
  for (;;) {
    const [, , updated] = await store.atomic([
      sql`INSERT INTO pass_status_changes (pass_number, status, reason, actor, at)
          SELECT number, 'revoked', ${run.reason}, ${run.actor}, ${run.at}
          FROM passes WHERE ${chunk} ORDER BY number`.compile(db),
      sql`INSERT INTO audit_log (at, actor, action, subject, before, after)
          SELECT ${run.at}, ${run.actor}, 'pass.revoke', 'pass:' || number,
            json_object('number', number, 'status', 'active', 'plate', plate, 'enterprise_id', enterprise_id),
            json_object('number', number, 'status', 'revoked', 'plate', plate, 'enterprise_id', enterprise_id,
              'reason', ${run.reason}, 'decommission', json('true'))
          FROM passes WHERE ${chunk} ORDER BY number`.compile(db),
      sql`UPDATE passes SET status = 'revoked', status_reason = ${run.reason}, status_changed_at = ${run.at}
          WHERE ${chunk}`.compile(db),
    ])
    if (updated.changes < REVOKE_CHUNK) break
  }
}

/** How many passes this decommission revoked (a resumed run counts the first one's too). */
async function countRevokedBy(db: Kysely<Database>, run: InProgress): Promise<number> {
  const row = await db
    .selectFrom('pass_status_changes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'revoked')
    .where('at', '=', run.at)
    .where('actor', '=', run.actor)
    .where('reason', '=', run.reason)
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}

/**
 * All personal data erased in one write with its `service.decommission` audit entry, whose counts
 * are read by the entry's own statement just before the erasures (so they are exact). Rows keep
 * their plates and pass numbers; a firm keeps its name, not its contact person.
 */
async function eraseAllPersonalData(deps: Deps, run: InProgress) {
  const { store } = deps
  const db = store.db
  const at = run.at
  const revoked = sql`(SELECT count(*) FROM pass_status_changes WHERE status = 'revoked'
    AND at = ${at} AND actor = ${run.actor} AND reason = ${run.reason})`
  const results = await store.atomic([
    sql`INSERT INTO audit_log (at, actor, action, subject, before, after)
        SELECT ${deps.clock().toISOString()}, ${run.actor}, 'service.decommission', ${`service:${deps.config.ISSUER_CODE}`},
          NULL,
          json_object('reason', ${run.reason}, 'started_at', ${at}, 'passes_revoked', ${revoked},
            'erased', json_object(
              'applications', (SELECT count(*) FROM applications WHERE personal_erased_at IS NULL),
              'arrival_reports', (SELECT count(*) FROM arrival_reports WHERE personal_erased_at IS NULL),
              'scans', (SELECT count(*) FROM scans WHERE personal_erased_at IS NULL),
              'vehicles', (SELECT count(*) FROM vehicles WHERE crew <> '[]'),
              'enterprise_contacts', (SELECT count(*) FROM enterprises WHERE ${contactHeld})))`.compile(
      db,
    ),
    eraseApplications(db, 'all', at),
    eraseArrivalReports(db, 'all', at),
    eraseScanInput(db, 'all', at),
    db.updateTable('vehicles').set({ crew: '[]', updated_at: at }).where('crew', '<>', '[]'),
    db
      .updateTable('enterprises')
      .set({ contact_name: '', contact_phone_enc: '', contact_phone_masked: '' })
      .where(contactHeld),
  ])
  // A resumed run whose erasure was already done finds nothing left: count by the run's time.
  const marked = await sql<Record<string, number>>`
    SELECT
      (SELECT count(*) FROM applications WHERE personal_erased_at = ${at}) AS applications,
      (SELECT count(*) FROM arrival_reports WHERE personal_erased_at = ${at}) AS arrival_reports,
      (SELECT count(*) FROM scans WHERE personal_erased_at = ${at}) AS scans,
      (SELECT count(*) FROM vehicles WHERE updated_at = ${at} AND crew = '[]') AS vehicles`.execute(
    db,
  )
  const m = marked.rows[0] ?? {}
  return {
    applications: Number(m.applications ?? 0),
    arrival_reports: Number(m.arrival_reports ?? 0),
    scans: Number(m.scans ?? 0),
    vehicles: Number(m.vehicles ?? 0),
    // No time on a firm's row: counted by the write (a resumed run after it counts none).
    enterprise_contacts: results[5].changes,
  }
}
