import { beforeEach, describe, expect, it } from 'vitest'
import { compactVerify, createLocalJWKSet } from 'jose'
import { sql, type RawBuilder } from 'kysely'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { applicationBody, residentId } from '../support/fixtures.ts'
import { enterpriseBody } from '../support/reference-data.ts'
import { event, issuePass, scan, sendEvents } from '../support/flow.ts'
import { decodeStatusList, serialOf } from '../../src/trust/status-list.ts'
import { visibleText } from '../ui/support/visible-text.ts'

// Decommission on a copy: a test app filled with passes in every state, a loop with its scan and
// events, a pre-arrival report, a kept vehicle, a waiting application and a registered firm; then
// the admin endpoint, rehearsed (nothing changes) and for real (every valid pass revoked and on
// the final status list, no personal data left anywhere, the audit log sealed over its last entry).

const REASON = '疫情防控措施调整，货运通行证停止办理'
const body = (extra: Record<string, unknown> = {}) => ({
  reason: REASON,
  confirm: 'DECOMMISSION',
  ...extra,
})

const person = (name: string, birth: string, seq: string, phone: string) => ({
  name,
  id_number: residentId(birth, seq),
  phone,
})
const CREW = {
  a: person('欧阳明远', '19800101', '111', '13911110001'),
  b: person('司马青山', '19810202', '222', '13911110002'),
  report: person('上官云飞', '19820303', '333', '13911110003'),
  expired: person('诸葛长风', '19830404', '444', '13911110004'),
  revoked: person('东方明月', '19840505', '555', '13911110005'),
  first: person('慕容清秋', '19850606', '666', '13911110006'),
  second: person('皇甫星河', '19860707', '777', '13911110007'),
  waiting: person('令狐远山', '19870808', '888', '13911110008'),
  vehicle: person('尉迟晓光', '19880909', '999', '13911110009'),
}
const CONTACT = { name: '公孙联络', phone: '13922223333' }

/** Fills the app: what decommission must revoke, leave, and erase. */
async function fill(t: TestApp) {
  const passA = await issuePass(t, { plate: '沪A12345D', crew: [CREW.a] })
  const scanned = await scan(t, { token: passA.token, observed_plate: '沪A12345D' })
  expect(scanned.json?.loop?.id, scanned.text).toBeTypeOf('string')
  const sent = await sendEvents(t, [
    event(t, scanned.json.loop.id, 'sampled', { tube_code: 'DC-1', tests: ['pcr'] }),
  ])
  expect(sent.status, sent.text).toBe(200)

  const passB = await issuePass(t, { plate: '浙A70707', crew: [CREW.b] })
  const report = await t.call('POST', '/api/v1/arrival-reports', {
    as: 'enterprise',
    body: {
      plate: '浙A70707',
      checkpoint_code: 'HZ-G60-XS',
      expected_from: '2026-11-30T18:00:00+08:00',
      expected_until: '2026-11-30T22:00:00+08:00',
      crew: [CREW.report],
    },
  })
  expect(report.status, report.text).toBe(201)

  // Ends at 12:00Z; the decommission runs at 13:00Z.
  const expired = await issuePass(t, {
    plate: '浙B11111',
    crew: [CREW.expired],
    valid_until: '2026-11-29T20:00:00+08:00',
  })
  const revoked = await issuePass(t, { plate: '浙C22222', crew: [CREW.revoked] })
  const revoke = await t.call('POST', `/api/v1/passes/${revoked.number}/revoke`, {
    as: 'coordinator',
    body: { reason: 'cargo not as declared' },
  })
  expect(revoke.status, revoke.text).toBe(200)
  const first = await issuePass(t, { plate: '浙D33333', crew: [CREW.first] })
  const second = await issuePass(t, { plate: '浙D33333', crew: [CREW.second] })

  const waiting = await t.call('POST', '/api/v1/applications', {
    as: 'enterprise',
    body: applicationBody({ plate: '浙E44444', crew: [CREW.waiting] }),
  })
  expect(waiting.status, waiting.text).toBe(201)
  const vehicle = await t.call('POST', '/api/v1/vehicles', {
    as: 'enterprise',
    body: { plate: '浙F55555', kind: 'heavy_truck', crew: [CREW.vehicle] },
  })
  expect(vehicle.status, vehicle.text).toBe(201)
  const firm = await t.call('POST', '/api/v1/enterprises', {
    as: 'coordinator',
    body: enterpriseBody(7, { contact_name: CONTACT.name, contact_phone: CONTACT.phone }),
  })
  expect(firm.status, firm.text).toBe(201)

  t.clock.set('2026-11-29T13:00:00.000Z')
  t.forgetTokens()
  return {
    valid: [passA.number, passB.number, second.number],
    expired: expired.number,
    revoked: revoked.number,
    superseded: first.number,
    waitingApplication: waiting.json.id as string,
  }
}

// Through the store, not better-sqlite3: the same file runs on D1 (the workers project).
const rows = async <R = Record<string, unknown>>(query: RawBuilder<R>) =>
  (await query.execute(t.store.db)).rows
const value = async (query: RawBuilder<{ v: unknown }>) => (await rows(query))[0]?.v

/** Every table (D1's own left out) and its rows. */
async function tables(skipped: string[] = []): Promise<[string, Record<string, unknown>[]][]> {
  const names = await rows<{ name: string }>(
    sql`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%'
        AND name NOT LIKE 'sqlite_%' ORDER BY name`,
  )
  const out: [string, Record<string, unknown>[]][] = []
  for (const { name } of names)
    if (!skipped.includes(name)) out.push([name, await rows(sql`SELECT * FROM ${sql.table(name)}`)])
  return out
}

/** Every row of every table, to show a rehearsal changed nothing (AUTOINCREMENT counters too). */
async function dump() {
  return Object.fromEntries([
    ...(await tables()),
    ['sqlite_sequence', await rows(sql`SELECT * FROM sqlite_sequence ORDER BY name`)],
  ])
}

/** Every text value stored, for "this is nowhere" checks. */
async function storedTexts(skipped: string[] = []): Promise<string[]> {
  return (await tables(skipped)).flatMap(([, all]) =>
    all.flatMap((row) => Object.values(row).filter((v): v is string => typeof v === 'string')),
  )
}

const SEALED_VALUE = [/(?<![\w-])v2\.[0-9a-f]{8}\./, /(?<![\w-])v1\.[\w-]{16,}/]
const personalValues = () => Object.values(CREW).flatMap((m) => [m.name, m.id_number, m.phone])

let t: TestApp
let world: Awaited<ReturnType<typeof fill>>
beforeEach(async () => {
  t = await buildTestApp()
  world = await fill(t)
})

describe('a rehearsal (dry_run)', () => {
  it('reports what it would do and changes nothing', async () => {
    await t.tokenFor('admin') // signing in writes (sign-in throttling): before, not during
    const before = await dump()
    const res = await t.call('POST', '/api/v1/admin/decommission', {
      as: 'admin',
      body: body({ dry_run: true }),
    })
    expect(res.status, res.text).toBe(200)
    expect(res.json).toMatchObject({ status: 'dry_run', dry_run: true, reason: REASON })
    expect(res.json.passes.revoked).toBeGreaterThanOrEqual(world.valid.length)
    expect(res.json.passes.left_expired).toBeGreaterThanOrEqual(1)
    expect(res.json.erased.applications).toBeGreaterThanOrEqual(7)
    expect(res.json.erased).toMatchObject({ arrival_reports: 1, vehicles: expect.any(Number) })
    expect(res.json.erased.scans).toBeGreaterThanOrEqual(1)
    expect(res.json.audit).toBeNull()
    expect(res.json.status_list).toBeNull()
    expect(await dump()).toEqual(before)
    // Nothing began: no report, and the service still takes work.
    expect((await t.call('GET', '/api/v1/admin/decommission', { as: 'admin' })).status).toBe(404)
    const applied = await t.call('POST', '/api/v1/applications', {
      as: 'enterprise',
      body: applicationBody({ plate: '浙G66666' }),
    })
    expect(applied.status, applied.text).toBe(201)

    // And the real run does what the rehearsal said (one application more since).
    const real = await t.call('POST', '/api/v1/admin/decommission', { as: 'admin', body: body() })
    expect(real.status, real.text).toBe(200)
    expect(real.json.passes).toEqual(res.json.passes)
    expect(real.json.erased).toEqual({
      ...res.json.erased,
      applications: res.json.erased.applications + 1,
    })
  })
})

describe('decommissioning for real', () => {
  it('revokes every valid pass with the reason and publishes them all on the final status list', async () => {
    const res = await t.call('POST', '/api/v1/admin/decommission', { as: 'admin', body: body() })
    expect(res.status, res.text).toBe(200)
    const report = res.json
    expect(report).toMatchObject({
      status: 'completed',
      dry_run: false,
      actor: expect.stringMatching(/^admin:/),
      reason: REASON,
      at: '2026-11-29T13:00:00.000Z',
    })

    for (const number of world.valid) {
      const pass = await t.call('GET', `/api/v1/passes/${number}`, { as: 'coordinator' })
      expect(pass.json).toMatchObject({ status: 'revoked', status_reason: REASON })
    }
    const left = await value(
      sql`SELECT count(*) AS v FROM passes WHERE status = 'active'
          AND valid_until >= '2026-11-29T13:00:00.000Z'`,
    )
    expect(left).toBe(0)
    expect(report.passes.revoked).toBe(
      await value(
        sql`SELECT count(*) AS v FROM pass_status_changes WHERE status = 'revoked' AND reason = ${REASON}`,
      ),
    )
    // Passes in other states keep theirs.
    const shown = async (n: string) =>
      (await t.call('GET', `/api/v1/passes/${n}`, { as: 'coordinator' })).json
    expect(await shown(world.expired)).toMatchObject({ status: 'expired' })
    expect(await shown(world.revoked)).toMatchObject({
      status: 'revoked',
      status_reason: 'cargo not as declared',
    })
    expect(await shown(world.superseded)).toMatchObject({ status: 'superseded' })
    // Each revocation is audited as a coordinator's is, with the reason and no crew.
    const revokes = await rows<{ subject: string; after: string }>(
      sql`SELECT subject, after FROM audit_log WHERE action = 'pass.revoke' AND at = ${report.at}`,
    )
    expect(revokes.map((r) => r.subject).sort()).toEqual(
      expect.arrayContaining(world.valid.map((n) => `pass:${n}`)),
    )
    expect(revokes).toHaveLength(report.passes.revoked)
    for (const r of revokes) expect(JSON.parse(r.after)).toMatchObject({ reason: REASON })

    // The final list: signed with the pass keys, every revoked and superseded serial set, and
    // the very list the service publishes.
    const jwks = (await t.call('GET', '/.well-known/jwks.json')).json
    const { payload, protectedHeader } = await compactVerify(
      report.status_list.jwt,
      createLocalJWKSet(jwks),
    )
    expect(protectedHeader.typ).toBe('statuslist+jwt')
    const claims = JSON.parse(new TextDecoder().decode(payload))
    expect(claims.version).toBe(report.status_list.version)
    const list = decodeStatusList(claims.status_list)
    for (const n of [...world.valid, world.revoked, world.superseded])
      expect(list.isInvalid(serialOf(n)!), n).toBe(true)
    expect(list.isInvalid(serialOf(world.expired)!)).toBe(false)
    const published = await t.call('GET', '/api/v1/trust/status-list')
    expect(published.text).toBe(report.status_list.jwt)
  })

  it('leaves no personal data in any table', async () => {
    const before = await storedTexts()
    for (const value of personalValues())
      expect(
        before.some((text) => text.includes(value)),
        `${value} is stored (sealed or not) before`,
      ).toBe(false)
    expect(before.some((text) => SEALED_VALUE[0].test(text))).toBe(true)

    const res = await t.call('POST', '/api/v1/admin/decommission', { as: 'admin', body: body() })
    expect(res.status, res.text).toBe(200)

    const after = await storedTexts()
    for (const pattern of SEALED_VALUE) {
      const found = after.filter((text) => pattern.test(text))
      expect(found, `sealed values left: ${found.slice(0, 3).join(' | ')}`).toEqual([])
    }
    for (const value of personalValues())
      expect(after.filter((text) => text.includes(value))).toEqual([])
    // The firm's contact person is gone from the firm (the audit log keeps what it recorded).
    const firms = await rows(
      sql`SELECT contact_name, contact_phone_enc, contact_phone_masked FROM enterprises`,
    )
    expect(firms.length).toBeGreaterThan(0)
    for (const firm of firms)
      expect(firm).toEqual({ contact_name: '', contact_phone_enc: '', contact_phone_masked: '' })
    const noAudit = await storedTexts(['audit_log'])
    expect(noAudit.filter((text) => text.includes(CONTACT.name))).toEqual([])
    // No crew member left in any crew, every erased row says when.
    for (const table of ['applications', 'arrival_reports', 'vehicles'])
      expect(await rows(sql`SELECT DISTINCT crew FROM ${sql.table(table)}`), table).toEqual([
        { crew: '[]' },
      ])
    for (const table of ['applications', 'arrival_reports', 'scans'])
      expect(
        await value(
          sql`SELECT count(*) AS v FROM ${sql.table(table)} WHERE personal_erased_at IS NULL`,
        ),
        table,
      ).toBe(0)
    expect(await rows(sql`SELECT DISTINCT raw FROM scans`)).toEqual([{ raw: '{}' }])
    // Plates and pass numbers stay for the audit; pages still show an erased pass.
    const pass = await t.call('GET', `/api/v1/passes/${world.valid[0]}`, { as: 'enterprise' })
    expect(pass.json).toMatchObject({ plate: '沪A12345D', crew: [] })
  })

  it('writes its audit entry and a signed seal over it; the chain still verifies', async () => {
    const res = await t.call('POST', '/api/v1/admin/decommission', { as: 'admin', body: body() })
    expect(res.status, res.text).toBe(200)
    const { audit, erased, passes } = res.json
    const entry = await rows<{ seq: number; after: string }>(
      sql`SELECT seq, after FROM audit_log WHERE action = 'service.decommission'`,
    )
    expect(entry).toHaveLength(1)
    expect(entry[0].seq).toBe(audit.entry_seq)
    expect(JSON.parse(entry[0].after)).toEqual({
      reason: REASON,
      started_at: res.json.at,
      passes_revoked: passes.revoked,
      erased,
    })
    const lastSeq = await value(sql`SELECT max(seq) AS v FROM audit_log`)
    expect(audit.seal.seq).toBe(lastSeq)
    expect(audit.covers_last_entry).toBe(true)
    const [seal] = await rows(
      sql`SELECT seq, hash, token FROM audit_seals ORDER BY seq DESC LIMIT 1`,
    )
    expect(seal).toEqual({
      seq: audit.seal.seq,
      hash: audit.seal.hash,
      token: audit.seal.signature,
    })
    const jwks = (await t.call('GET', '/.well-known/jwks.json')).json
    const signed = await compactVerify(audit.seal.signature, createLocalJWKSet(jwks))
    expect(JSON.parse(new TextDecoder().decode(signed.payload))).toMatchObject({
      typ: 'audit-seal',
      seq: audit.seal.seq,
      hash: audit.seal.hash,
    })
    const verify = await t.call('GET', '/api/v1/audit/verify', { as: 'coordinator' })
    expect(verify.json, verify.text).toMatchObject({ ok: true, sealed_through: lastSeq })
    // No personal value in any entry the decommission wrote.
    const written = await rows(
      sql`SELECT before, after FROM audit_log WHERE seq >= ${entry[0].seq - passes.revoked}`,
    )
    for (const value of personalValues()) expect(JSON.stringify(written)).not.toContain(value)
  })

  it('keeps the report, refuses a second decommission and any new work', async () => {
    const res = await t.call('POST', '/api/v1/admin/decommission', { as: 'admin', body: body() })
    expect(res.status, res.text).toBe(200)
    const kept = await t.call('GET', '/api/v1/admin/decommission', { as: 'admin' })
    expect(kept.status).toBe(200)
    expect(kept.json).toEqual(res.json)
    expect(res.json.completed_at).toBe('2026-11-29T13:00:00.000Z')

    for (const dry_run of [false, true]) {
      const again = await t.call('POST', '/api/v1/admin/decommission', {
        as: 'admin',
        body: body({ dry_run }),
      })
      expect(again.status).toBe(409)
      expect(again.json.error.code).toBe('already_decommissioned')
    }

    const refused = [
      ['POST', '/api/v1/applications', 'enterprise', applicationBody({ plate: '浙G66666' })],
      ['POST', `/api/v1/applications/${world.waitingApplication}/approve`, 'coordinator', {}],
      [
        'POST',
        '/api/v1/stations/HZ-XS-01/bookings',
        'enterprise',
        { pass_number: world.valid[0], starts_at: '2026-11-30T02:00:00Z' },
      ],
      [
        'POST',
        '/api/v1/vehicles',
        'enterprise',
        { plate: '浙H77777', kind: 'heavy_truck', crew: [CREW.vehicle] },
      ],
      ['POST', '/api/v1/enterprises', 'coordinator', enterpriseBody(8)],
    ] as const
    for (const [method, path, as, sent] of refused) {
      const answer = await t.call(method, path, { as, body: sent })
      expect(answer.status, `${path}: ${answer.text}`).toBe(409)
      expect(answer.json.error.code).toBe('service_decommissioned')
    }
    const bulk = await t.call('POST', '/api/v1/applications/bulk', {
      as: 'enterprise',
      body: 'plate\n',
      headers: { 'content-type': 'text/csv' },
    })
    expect(bulk.json?.error?.code, bulk.text).toBe('service_decommissioned')
    // In Chinese too.
    const zh = await t.call('POST', '/api/v1/applications', {
      as: 'enterprise',
      body: applicationBody({ plate: '浙G66666' }),
      headers: { 'accept-language': 'zh-CN' },
    })
    expect(zh.json.error.message).toBe('本服务已停止，不再受理新的业务')
    // Reads still answer.
    expect((await t.call('GET', '/api/v1/passes', { as: 'coordinator' })).status).toBe(200)
  })

  it('finishes a decommission that stopped half-way, with its own time and reason', async () => {
    const unfinished = {
      status: 'in_progress',
      at: '2026-11-29T12:30:00.000Z',
      actor: 'admin:earlier',
      reason: 'the first attempt, interrupted',
    }
    await t.store.atomic([
      t.store.db.insertInto('decommissions').values({
        id: 1,
        at: unfinished.at,
        actor: unfinished.actor,
        reason: unfinished.reason,
        report: JSON.stringify(unfinished),
      }),
    ])
    // Already refusing new work while unfinished.
    const applied = await t.call('POST', '/api/v1/applications', {
      as: 'enterprise',
      body: applicationBody({ plate: '浙G66666' }),
    })
    expect(applied.json.error.code).toBe('service_decommissioned')
    expect((await t.call('GET', '/api/v1/admin/decommission', { as: 'admin' })).json).toMatchObject(
      { status: 'in_progress' },
    )

    const res = await t.call('POST', '/api/v1/admin/decommission', { as: 'admin', body: body() })
    expect(res.status, res.text).toBe(200)
    expect(res.json).toMatchObject({
      status: 'completed',
      at: '2026-11-29T12:30:00.000Z',
      actor: 'admin:earlier',
      reason: 'the first attempt, interrupted',
    })
    expect(res.json.passes.revoked).toBeGreaterThanOrEqual(world.valid.length)
  })

  it('asks for the reason and the typed confirmation, admins only', async () => {
    const cases = [
      body({ reason: 'too short' }),
      body({ confirm: 'decommission' }),
      { reason: REASON },
      body({ dry_run: 'yes' }),
    ]
    for (const sent of cases) {
      const res = await t.call('POST', '/api/v1/admin/decommission', { as: 'admin', body: sent })
      expect(res.status, JSON.stringify(sent)).toBe(400)
      expect(res.json.error.code).toBe('invalid_input')
    }
    const coordinator = await t.call('POST', '/api/v1/admin/decommission', {
      as: 'coordinator',
      body: body(),
    })
    expect(coordinator.status).toBe(403)
    expect((await t.call('GET', '/api/v1/admin/decommission', { as: 'admin' })).status).toBe(404)
  })
})

describe('the admin page', () => {
  const page = async (lang: 'zh' | 'en', role: 'admin' | 'coordinator' = 'admin') =>
    t.call('GET', '/ui/decommission', {
      headers: { cookie: `tx_lang=${lang}; tx_session=${await t.tokenFor(role)}` },
    })
  /** What an English page shows in Chinese outside data (names, reasons, codes). */
  const hanOutsideData = (html: string) =>
    visibleText(html, 'en')
      .filter((p) => !p.data && /\p{Script=Han}/u.test(p.text) && p.text !== '中文')
      .map((p) => p.text)

  it('offers a rehearsal and the real thing to admins only, then shows the kept report', async () => {
    const before = await page('zh')
    expect(before.status).toBe(200)
    expect(before.text).toContain('data-api="/api/v1/admin/decommission"')
    expect(before.text).toContain('name="dry_run"')
    expect(before.text).toContain('data-confirm=')
    expect((await page('zh', 'coordinator')).status).toBe(403)

    const res = await t.call('POST', '/api/v1/admin/decommission', { as: 'admin', body: body() })
    expect(res.status, res.text).toBe(200)
    const zh = await page('zh')
    expect(zh.text).toContain('本服务已于')
    expect(zh.text).not.toContain('data-api="/api/v1/admin/decommission"')
    expect(zh.text).toContain(res.json.status_list.jwt)
    const en = await page('en')
    expect(en.text).toContain('This service ended on')
    expect(en.text).toContain('The seal covers the last audit entry')
    expect(hanOutsideData(en.text)).toEqual([])
  })
})
