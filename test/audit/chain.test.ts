import { createHash } from 'node:crypto'
import { beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { applicationBody, residentId } from '../support/fixtures.ts'
import { event, issuePass, scan, sendEvents } from '../support/flow.ts'
import { chainHash, GENESIS, sealAudit, verifyAudit } from '../../src/audit/chain.ts'

let t: TestApp
const deps = () => ({ store: t.store, config: t.config, clock: t.clock })
const actions = () =>
  t.sqlite.prepare('SELECT action FROM audit_log ORDER BY seq').pluck().all() as string[]

beforeEach(async () => {
  t = await buildTestApp()
})

describe('every write leaves an audit entry', () => {
  it('for each kind of write, with actor, subject, before and after', async () => {
    const start = (t.sqlite.prepare('SELECT max(seq) FROM audit_log').pluck().get() as number) ?? 0
    await t.call('POST', '/api/v1/accounts', {
      as: 'admin',
      body: {
        username: 'cp2',
        password: 'checkpoint-2-pw',
        role: 'checkpoint',
        checkpoint_codes: ['HZ-G92-YH'],
      },
    })
    await t.call('PUT', '/api/v1/regions/330102/risk', {
      as: 'coordinator',
      body: { level: 'medium', reason: '密接轨迹' },
    })
    await t.call('POST', '/api/v1/stations', {
      as: 'coordinator',
      body: {
        code: 'HZ-NEW-01',
        name: '新中转站',
        region_code: '330110',
        address: '余杭区 1 号',
        capacity_per_day: 10,
      },
    })
    await t.call('PATCH', '/api/v1/stations/HZ-NEW-01', {
      as: 'coordinator',
      body: { is_open: false, closed_reason: '场地消杀' },
    })
    await t.call('POST', '/api/v1/checkpoints', {
      as: 'coordinator',
      body: { code: 'HZ-NEW-CP', name: '新卡口', region_code: '330110', kind: 'road' },
    })
    await t.call('POST', '/api/v1/enterprises/demo-ent-4/whitelist', {
      as: 'coordinator',
      body: { status: 'active', level: 'municipal', reason: '审核通过' },
    })
    const pass = await issuePass(t)
    const rejected = await t.call('POST', '/api/v1/applications', {
      as: 'enterprise',
      body: applicationBody({ plate: '浙A10101' }),
    })
    await t.call('POST', `/api/v1/applications/${rejected.json.id}/reject`, {
      as: 'coordinator',
      body: { reason: '资料不全' },
    })
    const loopId = (await scan(t, { token: pass.token })).json.loop.id
    await sendEvents(t, [
      event(t, loopId, 'sampled', { tube_code: 'A-1' }),
      event(t, loopId, 'pcr_result', { result: 'positive' }),
    ])
    const alert = (await t.call('GET', '/api/v1/alerts', { as: 'coordinator' })).json[0]
    await t.call('POST', `/api/v1/alerts/${alert.id}/resolve`, {
      as: 'coordinator',
      body: { note: '已转运隔离', outcome: 'handled_off_loop' },
    })
    await t.call('POST', `/api/v1/passes/${pass.number}/revoke`, {
      as: 'coordinator',
      body: { reason: '阳性' },
    })

    const written = t.sqlite
      .prepare('SELECT action FROM audit_log WHERE seq > ?')
      .pluck()
      .all(start) as string[]
    expect(written).toEqual(
      expect.arrayContaining([
        'account.create',
        'region.risk',
        'station.create',
        'station.update',
        'checkpoint.create',
        'enterprise.whitelist',
        'application.submit',
        'application.approve',
        'application.reject',
        'scan',
        'loop.events',
        'alert.open',
        'alert.resolve',
        'pass.revoke',
      ]),
    )
    const risk = t.sqlite
      .prepare("SELECT actor, subject, before, after FROM audit_log WHERE action = 'region.risk'")
      .get() as Record<string, string>
    expect(risk).toMatchObject({ actor: 'coordinator:coordinator', subject: 'region:330102' })
    expect(JSON.parse(risk.before).risk_level).toBe('low')
    expect(JSON.parse(risk.after)).toMatchObject({ risk_level: 'medium', risk_reason: '密接轨迹' })
  })

  it('writes nothing for a refused write, and nothing is written without its entry', async () => {
    const before = actions().length
    await t.call('POST', '/api/v1/enterprises/demo-ent-1/whitelist', {
      as: 'coordinator',
      body: { status: 'pending', reason: 'not allowed' },
    })
    await t.call('POST', '/api/v1/stations', {
      as: 'enterprise',
      body: {
        code: 'X-1',
        name: '某站',
        region_code: '330110',
        address: '1 号',
        capacity_per_day: 1,
      },
    })
    expect(actions().length).toBe(before)
  })

  it('keeps personal data out of the log: crew and contacts appear masked only', async () => {
    const id = residentId('19660606', '321')
    await issuePass(t, { crew: [{ name: '钱七', id_number: id, phone: '13655556666' }] })
    await t.call('POST', '/api/v1/enterprises', {
      as: 'coordinator',
      body: {
        uscc: '91350100M000100Y43',
        name: '福州某公司',
        contact_name: '林',
        contact_phone: '13344445555',
        region_code: '350102',
      },
    })
    const log = (
      t.sqlite.prepare('SELECT before, after FROM audit_log').all() as {
        before: string
        after: string
      }[]
    )
      .map((r) => `${r.before}${r.after}`)
      .join('\n')
    expect(log).not.toContain(id)
    expect(log).not.toContain('13655556666')
    expect(log).not.toContain('13344445555')
    expect(log).toContain(`330702********${id.slice(-4)}`)
    expect(log).toContain('133****5555')
  })
})

describe('the tamper-evident chain', () => {
  async function sealedLog() {
    await issuePass(t)
    await issuePass(t, { plate: '浙A20202' })
    expect(await sealAudit(deps())).toBeGreaterThanOrEqual(9)
    const report = await verifyAudit(deps())
    expect(report).toMatchObject({ ok: true, unsealed: 0 })
    return report.ok ? report.entries : 0
  }
  const seqs = () =>
    t.sqlite.prepare('SELECT seq FROM audit_log ORDER BY seq').pluck().all() as number[]

  it('verifies an untouched log, and counts entries not sealed yet', async () => {
    const entries = await sealedLog()
    await t.call('PUT', '/api/v1/regions/330102/risk', {
      as: 'coordinator',
      body: { level: 'high', reason: '新增病例' },
    })
    expect(await verifyAudit(deps())).toMatchObject({ ok: true, entries: entries + 1, unsealed: 1 })
    expect(await sealAudit(deps())).toBe(1)
    expect(await verifyAudit(deps())).toMatchObject({
      ok: true,
      unsealed: 0,
      sealed_through: entries + 1,
    })
  })

  it('catches an edited entry', async () => {
    await sealedLog()
    const target = seqs()[5]
    t.sqlite.prepare("UPDATE audit_log SET actor = 'coordinator:nobody' WHERE seq = ?").run(target)
    expect(await verifyAudit(deps())).toMatchObject({
      ok: false,
      first_bad_seq: target,
      problem: 'hash_mismatch',
    })
  })

  it('catches a deleted entry', async () => {
    await sealedLog()
    const target = seqs()[7]
    t.sqlite.prepare('DELETE FROM audit_log WHERE seq = ?').run(target)
    expect(await verifyAudit(deps())).toMatchObject({
      ok: false,
      first_bad_seq: target,
      problem: 'missing',
    })
  })

  it('catches two entries swapped', async () => {
    await sealedLog()
    const [a, b] = [seqs()[2], seqs()[6]]
    const row = (seq: number) =>
      t.sqlite
        .prepare(
          'SELECT at, actor, action, subject, before, after, hash FROM audit_log WHERE seq = ?',
        )
        .get(seq) as Record<string, unknown>
    const [ra, rb] = [row(a), row(b)]
    const put = t.sqlite.prepare(
      'UPDATE audit_log SET at = @at, actor = @actor, action = @action, subject = @subject, before = @before, after = @after, hash = @hash WHERE seq = @seq',
    )
    t.sqlite.transaction(() => {
      put.run({ ...rb, seq: a })
      put.run({ ...ra, seq: b })
    })()
    expect(await verifyAudit(deps())).toMatchObject({
      ok: false,
      first_bad_seq: a,
      problem: 'hash_mismatch',
    })
  })

  it('catches the newest entries deleted, through the signed seal', async () => {
    await sealedLog()
    const last = seqs().at(-1)!
    t.sqlite.prepare('DELETE FROM audit_log WHERE seq >= ?').run(last - 1)
    expect(await verifyAudit(deps())).toMatchObject({
      ok: false,
      first_bad_seq: last - 1,
      problem: 'seal_mismatch',
    })
  })

  it('catches a rewritten chain whose seal was not re-signed, and a forged seal', async () => {
    await sealedLog()
    const last = seqs().at(-1)!
    t.sqlite
      .prepare(
        "UPDATE audit_seals SET hash = (CASE substr(hash, 1, 1) WHEN '0' THEN '1' ELSE '0' END) || substr(hash, 2) WHERE seq = ?",
      )
      .run(last)
    expect(await verifyAudit(deps())).toMatchObject({ ok: false, problem: 'seal_mismatch' })
    t.sqlite.prepare("UPDATE audit_seals SET token = token || 'x' WHERE seq = ?").run(last)
    expect(await verifyAudit(deps())).toMatchObject({
      ok: false,
      first_bad_seq: last,
      problem: 'seal_signature',
    })
  })

  it('catches a blanked hash', async () => {
    await sealedLog()
    const target = seqs()[4]
    t.sqlite.prepare('UPDATE audit_log SET hash = NULL WHERE seq = ?').run(target)
    expect(await verifyAudit(deps())).toMatchObject({
      ok: false,
      first_bad_seq: target,
      problem: 'hash_removed',
    })
  })

  it('is reported by GET /audit/verify to coordinators only', async () => {
    await sealedLog()
    const res = await t.call('GET', '/api/v1/audit/verify', { as: 'coordinator' })
    expect(res.json).toMatchObject({ ok: true, entries: expect.any(Number) })
    t.sqlite.prepare("UPDATE audit_log SET after = '{}' WHERE seq = ?").run(seqs()[2])
    expect((await t.call('GET', '/api/v1/audit/verify', { as: 'admin' })).json).toMatchObject({
      ok: false,
      first_bad_seq: seqs()[2],
    })
    for (const role of ['enterprise', 'checkpoint'] as const) {
      expect((await t.call('GET', '/api/v1/audit/verify', { as: role })).status).toBe(403)
      expect((await t.call('GET', '/api/v1/audit/log', { as: role })).status).toBe(403)
    }
  })

  it('lists the log from a sequence number', async () => {
    await sealedLog()
    const all = (await t.call('GET', '/api/v1/audit/log?limit=1000', { as: 'coordinator' })).json
    const since = all[4].seq
    const page = (
      await t.call('GET', `/api/v1/audit/log?since=${since}&limit=3`, { as: 'coordinator' })
    ).json
    expect(page.map((e: { seq: number }) => e.seq)).toEqual(
      all.slice(5, 8).map((e: { seq: number }) => e.seq),
    )
    expect(page[0]).toMatchObject({
      at: expect.any(String),
      actor: expect.any(String),
      action: expect.any(String),
      subject: expect.any(String),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    })
  })
})

describe('chain hashes on either runtime', () => {
  it('are the same from WebCrypto (Workers) and from a synchronous SHA-256 (Node)', async () => {
    const nodeSha256 = (text: string) => createHash('sha256').update(text).digest('hex')
    let previous = GENESIS
    for (const [i, entry] of [
      {
        seq: 1,
        at: '2026-11-29T08:00:00.000Z',
        actor: 'system',
        action: 'seed',
        subject: 'x:1',
        before: null,
        after: '{"a":1}',
      },
      {
        seq: 2,
        at: '2026-11-29T08:00:01.000Z',
        actor: 'coordinator:张三',
        action: 'region.risk',
        subject: 'region:330102',
        before: '{"level":"low"}',
        after: '{"level":"high","reason":"新增病例"}',
      },
    ].entries()) {
      const portable = await chainHash(previous, entry)
      expect(await chainHash(previous, entry, nodeSha256), `entry ${i}`).toBe(portable)
      previous = portable
    }
  })
})
