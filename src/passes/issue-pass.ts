import { sql } from 'kysely'
import type { Deps } from '../http/env.ts'
import type { ApplicationRow } from '../applications/applications.table.ts'
import { abortUnless } from '../db/guard.ts'
import { describeGuard } from '../http/errors.ts'
import { loadSigningKeys } from '../trust/signing-keys.ts'
import type { PassRow } from './passes.table.ts'
import { signPassToken } from './pass-token.ts'
import { passAuditView } from './passes.repository.ts'

describeGuard('application_not_submitted', 'the application was decided meanwhile')
describeGuard('enterprise_not_whitelisted', 'the enterprise is no longer active on the whitelist')

/**
 * Approves an application in one atomic write: the new pass takes the next serial of this issuer
 * (computed in SQL, so concurrent approvals can neither share nor skip a number), the vehicle's
 * earlier active passes become `superseded` (一车一证一线路), and every change is audited.
 * Then the token is signed from the stored row.
 */
export async function issuePass(deps: Deps, application: ApplicationRow, actor: string): Promise<PassRow> {
  const { store, config } = deps
  const db = store.db
  const now = deps.clock().toISOString()
  const keys = await loadSigningKeys(config.SIGNING_KEYS)
  const issuer = config.ISSUER_CODE
  const appId = application.id
  const newNumber = sql<string>`(SELECT number FROM passes WHERE application_id = ${appId})`
  const auditTemplate = JSON.stringify(passAuditView({ ...application, number: '', status: 'active' }))

  await store.atomic([
    abortUnless(sql`(SELECT status FROM applications WHERE id = ${appId}) = 'submitted'`, 'application_not_submitted'),
    abortUnless(
      sql`(SELECT whitelist_status FROM enterprises WHERE id = ${application.enterprise_id}) = 'active'`,
      'enterprise_not_whitelisted',
    ),
    sql`INSERT INTO passes (number, issuer_code, serial, application_id, enterprise_id, plate, cargo_category,
          origin_region_code, destination_station_code, destination_region_code, destination_address, route,
          valid_from, valid_until, status, kid, issued_by, issued_at)
        SELECT ${issuer} || printf('%06d', next.serial), ${issuer}, next.serial, ${appId}, ${application.enterprise_id},
          ${application.plate}, ${application.cargo_category}, ${application.origin_region_code},
          ${application.destination_station_code}, ${application.destination_region_code}, ${application.destination_address},
          ${application.route}, ${application.valid_from}, ${application.valid_until}, 'active', ${keys.current.kid}, ${actor}, ${now}
        FROM (SELECT COALESCE(MAX(serial), 0) + 1 AS serial FROM passes WHERE issuer_code = ${issuer}) AS next`.compile(db),
    sql`INSERT INTO pass_status_changes (pass_number, status, reason, actor, at)
        SELECT number, 'superseded', 'replaced by pass ' || ${newNumber}, ${actor}, ${now}
        FROM passes WHERE plate = ${application.plate} AND status = 'active' AND application_id != ${appId}`.compile(db),
    sql`INSERT INTO audit_log (at, actor, action, subject, before, after)
        SELECT ${now}, ${actor}, 'pass.supersede', 'pass:' || number, json_object('status', 'active'),
          json_object('status', 'superseded', 'superseded_by', ${newNumber})
        FROM passes WHERE plate = ${application.plate} AND status = 'active' AND application_id != ${appId}`.compile(db),
    sql`UPDATE passes SET status = 'superseded', status_reason = 'replaced by pass ' || ${newNumber},
          status_changed_at = ${now}, superseded_by = ${newNumber}
        WHERE plate = ${application.plate} AND status = 'active' AND application_id != ${appId}`.compile(db),
    sql`UPDATE applications SET status = 'approved', decided_by = ${actor}, decided_at = ${now}, pass_number = ${newNumber}
        WHERE id = ${appId}`.compile(db),
    sql`INSERT INTO audit_log (at, actor, action, subject, before, after)
        SELECT ${now}, ${actor}, 'application.approve', 'application:' || ${appId}, json_object('status', 'submitted'),
          json_set(${auditTemplate}, '$.number', number)
        FROM passes WHERE application_id = ${appId}`.compile(db),
  ])

  const pass = await db.selectFrom('passes').selectAll().where('application_id', '=', appId).executeTakeFirstOrThrow()
  return ensureToken(deps, pass)
}

/** Signs and stores the pass token if the row has none yet (Ed25519 is deterministic, so a retry gives the same token). */
export async function ensureToken(deps: Deps, pass: PassRow): Promise<PassRow> {
  if (pass.token) return pass
  const keys = await loadSigningKeys(deps.config.SIGNING_KEYS)
  const key = keys.byKid.get(pass.kid)
  if (!key) throw new Error(`signing key ${pass.kid} of pass ${pass.number} is no longer configured`)
  const token = await signPassToken(
    {
      number: pass.number,
      plate: pass.plate,
      validFrom: new Date(pass.valid_from),
      validUntil: new Date(pass.valid_until),
      origin: pass.origin_region_code,
      destination: pass.destination_station_code ?? pass.destination_region_code,
    },
    key,
  )
  await deps.store.db.updateTable('passes').set({ token }).where('number', '=', pass.number).where('token', 'is', null).execute()
  return { ...pass, token }
}
