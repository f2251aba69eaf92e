import { describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { issuePass } from '../support/flow.ts'
import { decodeStatusList, serialOf } from '../../src/trust/status-list.ts'
import { REVOKE_CHUNK } from '../../src/decommission/decommission.ts'

// A decommission of a few thousand passes: more than one revocation chunk, every one revoked,
// audited and on the final list. The time it took is printed (a figure for the README, not a
// limit asserted here).

const COPIES = 2000

/** `COPIES` more passes (and their applications, crews sealed), copied from one real pass in SQL. */
async function copyPass(t: TestApp, number: string) {
  const pass = await t.store.db
    .selectFrom('passes')
    .selectAll()
    .where('number', '=', number)
    .executeTakeFirstOrThrow()
  const application = await t.store.db
    .selectFrom('applications')
    .selectAll()
    .where('id', '=', pass.application_id)
    .executeTakeFirstOrThrow()
  const copies = sql`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${COPIES})`
  const appColumns = Object.keys(application)
  const appValues = appColumns.map((c) =>
    c === 'id' ? sql`id || '-' || n.i` : c === 'pass_number' ? sql`NULL` : sql.ref(c),
  )
  const passColumns = Object.keys(pass)
  const passValues = passColumns.map((c) =>
    c === 'number'
      ? sql`issuer_code || printf('%06d', serial + n.i)`
      : c === 'serial'
        ? sql`serial + n.i`
        : c === 'application_id'
          ? sql`application_id || '-' || n.i`
          : c === 'token'
            ? sql`NULL`
            : sql.ref(c),
  )
  const list = (columns: string[]) => sql.join(columns.map((c) => sql.ref(c)))
  await t.store.atomic([
    sql`${copies} INSERT INTO applications (${list(appColumns)})
        SELECT ${sql.join(appValues)} FROM applications, n WHERE id = ${application.id}`.compile(
      t.store.db,
    ),
    sql`${copies} INSERT INTO passes (${list(passColumns)})
        SELECT ${sql.join(passValues)} FROM passes, n WHERE number = ${number}`.compile(t.store.db),
  ])
}

describe('decommissioning thousands of passes', () => {
  it(
    'revokes them all in chunks, audits each, and lists them all',
    { timeout: 120_000 },
    async () => {
      const t = await buildTestApp()
      const first = await issuePass(t, { plate: '浙A70707' })
      await copyPass(t, first.number)
      const active = await t.call('GET', '/api/v1/passes?status=active&limit=1', {
        as: 'coordinator',
      })
      const total = Number(active.headers.get('x-total-count'))
      expect(total).toBeGreaterThan(COPIES)
      expect(total).toBeGreaterThan(2 * REVOKE_CHUNK)
      await t.tokenFor('admin')

      const dryStarted = performance.now()
      const dry = await t.call('POST', '/api/v1/admin/decommission', {
        as: 'admin',
        body: { reason: 'measuring the end of it all', confirm: 'DECOMMISSION', dry_run: true },
      })
      const dryMs = performance.now() - dryStarted
      expect(dry.json.passes.revoked).toBe(total)

      const started = performance.now()
      const res = await t.call('POST', '/api/v1/admin/decommission', {
        as: 'admin',
        body: { reason: 'measuring the end of it all', confirm: 'DECOMMISSION' },
      })
      const ms = performance.now() - started
      expect(res.status, res.text).toBe(200)
      console.log(
        `decommission of ${total} passes, ${res.json.erased.applications} applications: ${Math.round(ms)} ms (dry run ${Math.round(dryMs)} ms)`,
      )
      expect(res.json.passes.revoked).toBe(total)
      expect(res.json.erased.applications).toBeGreaterThan(COPIES)
      const still = await t.call('GET', '/api/v1/passes?status=active&limit=1', {
        as: 'coordinator',
      })
      expect(still.headers.get('x-total-count')).toBe('0')

      const revokes = await t.store.db
        .selectFrom('audit_log')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('action', '=', 'pass.revoke')
        .executeTakeFirstOrThrow()
      expect(Number(revokes.n)).toBe(total)
      const numbers = await t.store.db.selectFrom('passes').select('number').execute()
      const claims = JSON.parse(
        new TextDecoder().decode(
          Uint8Array.from(
            atob(res.json.status_list.jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')),
            (c) => c.charCodeAt(0),
          ),
        ),
      )
      const list = decodeStatusList(claims.status_list)
      expect(numbers.filter((p) => !list.isInvalid(serialOf(p.number)!))).toEqual([])
      const verify = await t.call('GET', '/api/v1/audit/verify', { as: 'coordinator' })
      expect(verify.json).toMatchObject({ ok: true })
    },
  )
})
