import Sqlite from 'better-sqlite3'
import { foldLoop, type LoopEvent } from '../../../src/loops/fold.ts'
import type { Acks } from './workload.ts'

/**
 * Reads a tongxing SQLite file directly (no app code in between) and lists every way it breaks
 * the promises of a crash-safe store: acknowledged writes missing or doubled, half-written
 * records, projections that do not follow from their events, a damaged file.
 * Returns the problems (empty when all is well) and what was counted.
 */
export function checkDatabase(
  file: string,
  acks?: Acks,
  options: { releaseHours?: number; projectionsSettled?: boolean } = {},
) {
  const db = new Sqlite(file, { fileMustExist: true })
  const problems: string[] = []
  const problem = (text: string) => {
    if (problems.length < 50) problems.push(text)
  }
  try {
    const integrity = db.pragma('integrity_check') as { integrity_check: string }[]
    if (integrity.length !== 1 || integrity[0].integrity_check !== 'ok')
      problem(`integrity_check: ${JSON.stringify(integrity.slice(0, 5))}`)
    const foreignKeys = db.pragma('foreign_key_check') as unknown[]
    if (foreignKeys.length > 0)
      problem(`foreign_key_check: ${JSON.stringify(foreignKeys.slice(0, 5))}`)

    // Acknowledged writes: there, exactly once, where they were sent.
    if (acks) {
      const eventById = db.prepare(
        'SELECT count(*) AS n, max(loop_id) AS loop_id FROM loop_events WHERE id = ?',
      )
      for (const [id, loopId] of acks.events) {
        const row = eventById.get(id) as { n: number; loop_id: string | null }
        if (row.n !== 1) problem(`acknowledged event ${id} stored ${row.n} times`)
        else if (row.loop_id !== loopId)
          problem(`acknowledged event ${id} is on loop ${row.loop_id}, sent for ${loopId}`)
      }
      for (const id of acks.rejectedEvents) {
        if ((eventById.get(id) as { n: number }).n !== 0) problem(`rejected event ${id} was stored`)
      }
      const scanById = db.prepare('SELECT * FROM scans WHERE id = ?')
      const auditBySubject = db.prepare('SELECT count(*) AS n FROM audit_log WHERE subject = ?')
      for (const [id, answer] of acks.scans) {
        const row = scanById.get(id) as Record<string, any> | undefined
        if (!row) {
          problem(`acknowledged scan ${id} missing`)
          continue
        }
        // A crash must never let a retried scan be answered without its verdict (see crash-windows.test.ts).
        if (!answer || typeof answer.verdict !== 'string')
          problem(`scan ${id} was answered 200 without a verdict: ${JSON.stringify(answer)}`)
        else if (row.verdict !== answer.verdict)
          problem(`scan ${id} stored verdict ${row.verdict}, answered ${answer.verdict}`)
        if ((answer?.loop?.id ?? null) !== null && row.loop_id !== answer.loop.id)
          problem(`scan ${id} stored loop ${row.loop_id}, answered ${answer.loop.id}`)
        if ((auditBySubject.get(`scan:${id}`) as { n: number }).n !== 1)
          problem(`scan ${id} has no audit entry`)
      }
      const passByNumber = db.prepare('SELECT * FROM passes WHERE number = ?')
      for (const [number, applicationId] of acks.passes) {
        const row = passByNumber.get(number) as Record<string, any> | undefined
        if (!row) problem(`acknowledged pass ${number} missing`)
        else if (row.application_id !== applicationId)
          problem(`pass ${number} belongs to ${row.application_id}, approved from ${applicationId}`)
      }
    }

    // Nothing half-written.
    const rows = <T>(text: string) => db.prepare(text).all() as T[]
    for (const r of rows<{ id: string; loop_id: string }>(
      'SELECT id, loop_id FROM loop_events WHERE loop_id NOT IN (SELECT id FROM loops)',
    )) {
      problem(`event ${r.id} points at missing loop ${r.loop_id}`)
    }
    for (const r of rows<{ id: string; loop_id: string }>(
      'SELECT id, loop_id FROM scans WHERE loop_id IS NOT NULL AND loop_id NOT IN (SELECT id FROM loops)',
    )) {
      problem(`scan ${r.id} points at missing loop ${r.loop_id}`)
    }
    // A stored scan whose answer was never completed (half-written; see crash-windows.test.ts).
    for (const r of rows<{ id: string }>(
      "SELECT id FROM scans WHERE response = '{}' OR json_extract(response, '$.verdict') IS NULL",
    )) {
      problem(`scan ${r.id} is stored without its answer (response '{}')`)
    }
    // Each loop was opened with its arrival: a scan-opened loop by the scan whose id its `arrived` event carries.
    for (const r of rows<{ id: string; manual: number; arrived: number; by_scan: number }>(
      `SELECT l.id, l.manual,
         (SELECT count(*) FROM loop_events e WHERE e.loop_id = l.id AND e.kind = 'arrived') AS arrived,
         (SELECT count(*) FROM loop_events e JOIN scans s ON s.id = e.id WHERE e.loop_id = l.id AND e.kind = 'arrived' AND s.loop_id = l.id) AS by_scan
       FROM loops l`,
    )) {
      if (r.arrived < 1) problem(`loop ${r.id} has no arrived event`)
      if (!r.manual && r.by_scan !== 1)
        problem(`loop ${r.id} was not opened by exactly one stored scan (${r.by_scan})`)
    }
    // One open loop per plate of each kind (schema/0015): the pass's loop and one opened by hand
    // may be open side by side, never two of a kind; and a pass never joins a loop opened by hand.
    for (const r of rows<{ plate: string; manual: number; n: number }>(
      'SELECT plate, manual, count(*) AS n FROM loops WHERE closed_at IS NULL GROUP BY plate, manual HAVING count(*) > 1',
    )) {
      problem(`plate ${r.plate} has ${r.n} open ${r.manual ? 'manual' : 'pass'} loops`)
    }
    for (const r of rows<{ id: string }>(
      'SELECT id FROM loops WHERE manual = 1 AND pass_number IS NOT NULL',
    ))
      problem(`manual loop ${r.id} carries a pass`)
    for (const r of rows<{ id: string; number: string | null }>(
      `SELECT a.id, p.number FROM applications a LEFT JOIN passes p ON p.application_id = a.id
       WHERE a.status = 'approved' AND (p.number IS NULL OR a.pass_number IS NOT p.number)`,
    )) {
      problem(`approved application ${r.id} has no matching pass (${r.number})`)
    }
    for (const r of rows<{ number: string }>(
      `SELECT p.number FROM passes p JOIN applications a ON a.id = p.application_id WHERE a.status != 'approved'`,
    )) {
      problem(`pass ${r.number} from an application that is not approved`)
    }
    const serials = rows<{ serial: number }>('SELECT serial FROM passes ORDER BY serial').map(
      (r) => r.serial,
    )
    serials.forEach((serial, i) => {
      if (serial !== i + 1) problem(`pass serials not gap-free: position ${i + 1} has ${serial}`)
    })
    for (const r of rows<{ number: string }>(
      `SELECT number FROM passes WHERE status = 'superseded' AND (superseded_by IS NULL OR superseded_by NOT IN (SELECT number FROM passes))`,
    )) {
      problem(`superseded pass ${r.number} names no existing successor`)
    }
    // One vehicle, one pass: two active passes of a plate may follow each other, never overlap.
    for (const r of rows<{ plate: string; a: string; b: string }>(
      `SELECT p.plate, p.number AS a, q.number AS b FROM passes p JOIN passes q ON q.plate = p.plate AND q.number > p.number
       WHERE p.status = 'active' AND q.status = 'active' AND p.valid_from < q.valid_until AND q.valid_from < p.valid_until`,
    )) {
      problem(`plate ${r.plate} has overlapping active passes ${r.a} and ${r.b}`)
    }
    for (const r of rows<{ id: string }>(
      'SELECT id FROM alerts WHERE loop_id NOT IN (SELECT id FROM loops)',
    ))
      problem(`alert ${r.id} on a missing loop`)

    // Every loop's projection follows from its events (after the reads that settle dirty loops).
    let loops = 0
    if (options.projectionsSettled) {
      const eventsOf = db.prepare(
        'SELECT *, rowid AS seq FROM loop_events WHERE loop_id = ? ORDER BY at, rowid',
      )
      for (const loop of rows<Record<string, any>>('SELECT * FROM loops')) {
        loops++
        if (loop.dirty) problem(`loop ${loop.id} still dirty after it was read`)
        const events = (eventsOf.all(loop.id) as Record<string, any>[]).map((e): LoopEvent => ({
          id: e.id,
          kind: e.kind,
          at: e.at,
          checkpoint_code: e.checkpoint_code,
          data: e.data ? JSON.parse(e.data) : null,
          seq: e.seq,
        }))
        const facts = foldLoop(events, options.releaseHours ?? 6)
        const state = loop.closed_by ? 'closed' : facts.state
        if (loop.state !== state)
          problem(`loop ${loop.id} state ${loop.state}, its events say ${state}`)
        if (loop.flagged_events !== facts.flags.length)
          problem(
            `loop ${loop.id} flagged_events ${loop.flagged_events}, its events say ${facts.flags.length}`,
          )
        const flags = new Map(facts.flags.map((f) => [f.eventId, f.reason]))
        for (const e of eventsOf.all(loop.id) as Record<string, any>[]) {
          if ((flags.get(e.id) ?? null) !== e.flag)
            problem(`event ${e.id} flag ${e.flag}, fold says ${flags.get(e.id) ?? null}`)
        }
      }
    }

    const count = (table: string) =>
      (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
    return {
      problems,
      counts: {
        loops: loops || count('loops'),
        loop_events: count('loop_events'),
        scans: count('scans'),
        passes: count('passes'),
        applications: count('applications'),
        audit_log: count('audit_log'),
      },
    }
  } finally {
    db.close()
  }
}
