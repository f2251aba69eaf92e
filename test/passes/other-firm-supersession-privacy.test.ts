import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { applicationBody } from '../support/fixtures.ts'

/**
 * When a coordinator lets firm B's new pass supersede firm A's (confirm_other_firm with a note),
 * firm A learns that its pass was replaced by a coordinator's decision, and nothing else: not
 * firm B's pass number, not the coordinator's note. Coordinators still see both (the successor on
 * the pass, the note in the audit log).
 */
type As = 'enterprise' | 'coordinator' | { token: string }

let t: TestApp
let firmB: { token: string }
beforeAll(async () => {
  t = await buildTestApp()
  const res = await t.call('POST', '/api/v1/accounts', {
    as: 'admin',
    body: {
      username: 'firm-b',
      password: 'firm-b-password',
      role: 'enterprise',
      enterprise_id: 'demo-ent-2',
    },
  })
  expect(res.status).toBe(201)
  firmB = { token: await t.login('firm-b', 'firm-b-password') }
})

async function issue(as: As, plate: string, approval?: unknown) {
  const applied = await t.call('POST', '/api/v1/applications', {
    as,
    body: applicationBody({ plate }),
  })
  expect(applied.status).toBe(201)
  const res = await t.call('POST', `/api/v1/applications/${applied.json.id}/approve`, {
    as: 'coordinator',
    body: approval,
  })
  expect(res.status).toBe(201)
  return res.json as { number: string }
}

const NOTE = '车辆已转让给第二家企业，原企业书面确认 (private note)'

describe('a pass superseded by another firm’s, as its holder sees it', () => {
  let held: { number: string }
  let successor: { number: string }
  beforeAll(async () => {
    held = await issue('enterprise', '浙K40001')
    successor = await issue(firmB, '浙K40001', { confirm_other_firm: true, note: NOTE })
  })

  it('shows firm A its pass superseded by a coordinator’s decision, without the new pass number or the note', async () => {
    const one = await t.call('GET', `/api/v1/passes/${held.number}`, { as: 'enterprise' })
    expect(one.status).toBe(200)
    expect(one.json).toMatchObject({
      status: 'superseded',
      status_reason: "replaced by a coordinator's decision",
      superseded_by: null,
    })
    expect(one.text).not.toContain(successor.number)
    expect(one.text).not.toContain('private note')
  })

  it('shows the same in firm A’s pass list, whatever its filter', async () => {
    for (const query of ['', '?status=superseded', '?plate=浙K40001']) {
      const list = await t.call('GET', `/api/v1/passes${query}`, { as: 'enterprise' })
      expect(list.status).toBe(200)
      expect(list.json.find((p: { number: string }) => p.number === held.number)).toMatchObject({
        superseded_by: null,
      })
      expect(list.text).not.toContain(successor.number)
      expect(list.text).not.toContain('private note')
    }
  })

  it('still lets the coordinator see the successor on the pass and the note in the audit log', async () => {
    const old = await t.call('GET', `/api/v1/passes/${held.number}`, { as: 'coordinator' })
    expect(old.json).toMatchObject({ status: 'superseded', superseded_by: successor.number })
    const log = (await t.call('GET', '/api/v1/audit/log?limit=1000', { as: 'coordinator' }))
      .json as { action: string; subject: string; after?: any }[]
    const supersede = log.find(
      (e) => e.action === 'pass.supersede' && e.subject === `pass:${held.number}`,
    )
    expect(supersede?.after).toMatchObject({
      status: 'superseded',
      superseded_by: successor.number,
      note: NOTE,
    })
  })

  it('keeps the note out of the stored pass and its status history', () => {
    const stored = t.sqlite
      .prepare('SELECT status_reason, superseded_by FROM passes WHERE number = ?')
      .get(held.number)
    expect(stored).toEqual({
      status_reason: "replaced by a coordinator's decision",
      superseded_by: successor.number,
    })
    const history = t.sqlite
      .prepare('SELECT reason FROM pass_status_changes WHERE pass_number = ?')
      .pluck()
      .all(held.number)
    expect(history).toEqual(["replaced by a coordinator's decision"])
  })

  it('hides from the holder a reason stored before it was made neutral', async () => {
    const legacy = `replaced by pass ${successor.number} of another enterprise, confirmed by the coordinator: ${NOTE}`
    t.sqlite
      .prepare('UPDATE passes SET status_reason = ? WHERE number = ?')
      .run(legacy, held.number)
    const one = await t.call('GET', `/api/v1/passes/${held.number}`, { as: 'enterprise' })
    expect(one.json).toMatchObject({
      status_reason: "replaced by a coordinator's decision",
      superseded_by: null,
    })
    expect((await t.call('GET', '/api/v1/passes', { as: 'enterprise' })).text).not.toContain(
      'private note',
    )
    expect(
      (await t.call('GET', `/api/v1/passes/${held.number}`, { as: 'coordinator' })).json
        .status_reason,
    ).toBe(legacy)
  })

  it('still names a firm’s own successor pass to it', async () => {
    const first = await issue('enterprise', '浙K40002')
    const second = await issue('enterprise', '浙K40002')
    const old = await t.call('GET', `/api/v1/passes/${first.number}`, { as: 'enterprise' })
    expect(old.json).toMatchObject({
      status: 'superseded',
      superseded_by: second.number,
      status_reason: `replaced by pass ${second.number}`,
    })
  })
})
