import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { enterpriseBody } from '../support/reference-data.ts'
import { gateWrites } from '../support/write-gate.ts'

// Two requests for the same thing at the same moment: one wins, the other gets the same 409 it
// would get a second later. Never a 500 ("never a 500 for bad input", API.md), never two records.
describe('two requests racing for the same record', () => {
  let t: TestApp
  let gate: ReturnType<typeof gateWrites>
  beforeAll(async () => {
    t = await buildTestApp()
    await Promise.all([t.tokenFor('coordinator'), t.tokenFor('admin')])
    gate = gateWrites(t.store)
  })

  const race = async (method: string, path: string, bodies: [unknown, unknown]) => {
    gate.hold(2)
    const answers = await Promise.all(
      bodies.map((body) => t.call(method, path, { as: 'coordinator', body })),
    )
    return answers.sort((a, b) => a.status - b.status)
  }

  it('creates one account and answers the other 409 username_taken', async () => {
    const body = {
      username: 'racer',
      password: 'racer-password',
      role: 'checkpoint',
      checkpoint_codes: ['HZ-G60-XS'],
    }
    const [won, lost] = await race('POST', '/api/v1/accounts', [body, body])
    expect(won.status).toBe(201)
    expect(lost.status).toBe(409)
    expect(lost.json.error.code).toBe('username_taken')
  })

  it('applies one of two risk changes made from the same old level and answers the other 409', async () => {
    const [won, lost] = await race('PUT', '/api/v1/regions/330106/risk', [
      { level: 'high', reason: '第一位协调员' },
      { level: 'medium', reason: '第二位协调员' },
    ])
    expect(won.status).toBe(200)
    expect(lost.status).toBe(409)
    expect(lost.json.error.code).toBe('region_changed')
    const region = await t.call('GET', '/api/v1/regions/330106', { as: 'coordinator' })
    expect(region.json.risk_history).toHaveLength(1)
    expect(region.json.risk_level).toBe(won.json.risk_level)
  })

  it('applies one of two whitelist decisions made on the same state and answers the other 409', async () => {
    const [won, lost] = await race('POST', '/api/v1/enterprises/demo-ent-4/whitelist', [
      { status: 'active', level: 'municipal', reason: '同意' },
      { status: 'removed', reason: '不同意' },
    ])
    expect(won.status).toBe(200)
    expect(lost.status).toBe(409)
    expect(lost.json.error.code).toBe('whitelist_changed')
    const firm = await t.call('GET', '/api/v1/enterprises/demo-ent-4', { as: 'coordinator' })
    expect(firm.json.whitelist_history).toHaveLength(2)
  })

  it('registers one station for two simultaneous creations of the same code and answers the other 409', async () => {
    const body = {
      code: 'RACE-ST',
      name: '并发中转站',
      region_code: '330109',
      address: '测试路 1 号',
      capacity_per_day: 5,
    }
    const [won, lost] = await race('POST', '/api/v1/stations', [body, body])
    expect(won.status).toBe(201)
    expect(lost.status).toBe(409)
    expect(lost.json.error.code).toBe('station_exists')
  })

  it('registers one checkpoint for two simultaneous creations of the same code and answers the other 409', async () => {
    const body = { code: 'RACE-CP', name: '并发卡口', region_code: '330109', kind: 'road' }
    const [won, lost] = await race('POST', '/api/v1/checkpoints', [body, body])
    expect(won.status).toBe(201)
    expect(lost.status).toBe(409)
    expect(lost.json.error.code).toBe('checkpoint_exists')
  })

  it('registers one enterprise for two simultaneous registrations of the same USCC and answers the other 409', async () => {
    const [won, lost] = await race('POST', '/api/v1/enterprises', [
      enterpriseBody(31),
      enterpriseBody(32, { uscc: enterpriseBody(31).uscc }),
    ])
    expect(won.status).toBe(201)
    expect(lost.status).toBe(409)
    expect(lost.json.error.code).toBe('enterprise_exists')
  })
})
