import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import type { Database } from '../database.ts'
import { ERASED_CREW } from '../vehicles/crew.ts'

// Erasing personal data: the sealed crew (names, ID numbers, phones and their masked copies)
// becomes an empty list and the row says when; the row itself stays, with its plate and pass
// number, for the audit. One statement per table, so a caller puts them in one `atomic` with
// its audit entry. Retention (by rows due), a subject's request (by rows found) and
// decommission (everything) all erase through these.

export { ERASED_CREW }

/** Which rows: these ids, or every row still holding personal data. */
export type EraseWhich = { ids: readonly string[] } | 'all'

export function eraseApplications(db: Kysely<Database>, which: EraseWhich, at: string) {
  let query = db
    .updateTable('applications')
    .set({ crew: ERASED_CREW, personal_erased_at: at })
    .where('personal_erased_at', 'is', null)
  if (which !== 'all') query = query.where('id', 'in', nonEmpty(which.ids))
  return query
}

export function eraseArrivalReports(db: Kysely<Database>, which: EraseWhich, at: string) {
  let query = db
    .updateTable('arrival_reports')
    .set({ crew: ERASED_CREW, personal_erased_at: at })
    .where('personal_erased_at', 'is', null)
  if (which !== 'all') query = query.where('id', 'in', nonEmpty(which.ids))
  return query
}

/**
 * A scan's input: the request as sent (already masked, but typed by people) is dropped, and the
 * stored answer loses the crew's masked names (of the pass and of a matching arrival report).
 */
export function eraseScanInput(db: Kysely<Database>, which: EraseWhich, at: string) {
  let query = db
    .updateTable('scans')
    .set({
      raw: '{}',
      response: sql<string>`json_remove(response, '$.pass.crew', '$.arrival_report.crew')`,
      personal_erased_at: at,
    })
    .where('personal_erased_at', 'is', null)
  if (which !== 'all') query = query.where('id', 'in', nonEmpty(which.ids))
  return query
}

/** `in ()` is not SQL: an empty list matches nothing. */
const nonEmpty = (ids: readonly string[]) => (ids.length > 0 ? [...ids] : [''])
