import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'

const START = '2026-11-29T08:00:00.000Z'
const codes = (list: { code: string }[]) => list.map((r) => r.code)

describe('GET /api/v1/regions', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ start: START })
  })

  it('lists only the high-risk regions for ?risk=high', async () => {
    const res = await t.call('GET', '/api/v1/regions?risk=high', { as: 'enterprise' })
    expect(res.status).toBe(200)
    expect(codes(res.json)).toEqual(['310104', '310115'])
    expect(res.json[1]).toMatchObject({
      name: '浦东新区',
      province_name: '上海市',
      risk_level: 'high',
      risk_reason: '本土聚集性疫情 (demo)',
    })
  })

  it('lists only medium-risk ones for ?risk=medium, and combines it with the province filter', async () => {
    const medium = await t.call('GET', '/api/v1/regions?risk=medium', { as: 'checkpoint' })
    expect(codes(medium.json)).toEqual(['320583', '440305'])
    const inJiangsu = await t.call('GET', '/api/v1/regions?risk=medium&province=32', {
      as: 'checkpoint',
    })
    expect(codes(inJiangsu.json)).toEqual(['320583'])
  })

  it('filters by province: every region’s code starts with the 2-digit province code', async () => {
    const res = await t.call('GET', '/api/v1/regions?province=33', { as: 'coordinator' })
    expect(res.status).toBe(200)
    expect(res.json.length).toBeGreaterThan(80)
    for (const region of res.json) {
      expect(region.code.startsWith('33')).toBe(true)
      expect(region.province_name).toBe('浙江省')
    }
  })

  it('finds regions by code prefix or part of a name with q', async () => {
    const byName = await t.call('GET', `/api/v1/regions?q=${encodeURIComponent('萧山')}`, {
      as: 'coordinator',
    })
    expect(codes(byName.json)).toContain('330109')
    for (const region of byName.json) expect(`${region.name}${region.city_name}`).toContain('萧山')

    const byPrefix = await t.call('GET', '/api/v1/regions?q=3301', { as: 'coordinator' })
    expect(codes(byPrefix.json)).toContain('330109')
    for (const region of byPrefix.json) expect(region.code.startsWith('3301')).toBe(true)

    const byCity = await t.call('GET', `/api/v1/regions?q=${encodeURIComponent('杭州')}`, {
      as: 'coordinator',
    })
    expect(codes(byCity.json)).toEqual(codes(byPrefix.json))
  })

  it('searches with the longest query allowed, and takes % and _ as typed', async () => {
    // 40 Chinese characters are 120 bytes: past D1's 50-byte limit on LIKE patterns.
    const long = await t.call('GET', `/api/v1/regions?q=${encodeURIComponent('萧'.repeat(40))}`, {
      as: 'coordinator',
    })
    expect(long.status, long.text).toBe(200)
    expect(long.json).toEqual([])
    for (const wild of ['%', '_', '33%', '萧_区']) {
      const res = await t.call('GET', `/api/v1/regions?q=${encodeURIComponent(wild)}`, {
        as: 'coordinator',
      })
      expect(res.status).toBe(200)
      expect(res.json).toEqual([])
    }
    const firms = await t.call(
      'GET',
      `/api/v1/enterprises?q=${encodeURIComponent('杭州物流'.repeat(12))}`,
      { as: 'coordinator' },
    )
    expect(firms.status, firms.text).toBe(200)
    expect(firms.json).toEqual([])
  })

  it('answers an empty list when nothing matches', async () => {
    const res = await t.call('GET', '/api/v1/regions?q=zzzz', { as: 'coordinator' })
    expect(res.status).toBe(200)
    expect(res.json).toEqual([])
  })

  it('refuses an unknown risk level or a malformed province with 400 naming the parameter', async () => {
    const risk = await t.call('GET', '/api/v1/regions?risk=extreme', { as: 'coordinator' })
    expect(risk.status).toBe(400)
    expect(risk.json.error.details).toEqual([expect.objectContaining({ field: 'risk' })])
    const province = await t.call('GET', '/api/v1/regions?province=zj', { as: 'coordinator' })
    expect(province.status).toBe(400)
    expect(province.json.error.details).toEqual([expect.objectContaining({ field: 'province' })])
  })
})

describe('GET /api/v1/regions/{code} and PUT /api/v1/regions/{code}/risk', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ start: START })
  })

  it('shows one region with its full name and its risk history', async () => {
    const res = await t.call('GET', '/api/v1/regions/310115', { as: 'enterprise' })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({
      code: '310115',
      full_name: '上海市 浦东新区',
      risk_level: 'high',
    })
    expect(res.json.risk_history).toEqual([
      {
        previous_level: 'low',
        level: 'high',
        reason: '本土聚集性疫情 (demo)',
        actor: 'system',
        at: START,
      },
    ])
  })

  it('changes the risk level and keeps each change newest first with previous level, reason and actor', async () => {
    t.clock.set('2026-11-29T09:00:00.000Z')
    const raise = await t.call('PUT', '/api/v1/regions/330106/risk', {
      as: 'coordinator',
      body: { level: 'medium', reason: '出现关联病例' },
    })
    expect(raise.status).toBe(200)
    expect(raise.json).toMatchObject({
      code: '330106',
      risk_level: 'medium',
      risk_reason: '出现关联病例',
      risk_changed_at: '2026-11-29T09:00:00.000Z',
    })

    t.clock.set('2026-11-29T11:15:00.000Z')
    const lower = await t.call('PUT', '/api/v1/regions/330106/risk', {
      as: 'admin',
      body: { level: 'low', reason: '连续 7 天无新增' },
    })
    expect(lower.status).toBe(200)
    expect(lower.json.risk_level).toBe('low')

    const res = await t.call('GET', '/api/v1/regions/330106', { as: 'checkpoint' })
    expect(res.json.risk_level).toBe('low')
    expect(res.json.risk_history).toEqual([
      {
        previous_level: 'medium',
        level: 'low',
        reason: '连续 7 天无新增',
        actor: 'admin:admin',
        at: '2026-11-29T11:15:00.000Z',
      },
      {
        previous_level: 'low',
        level: 'medium',
        reason: '出现关联病例',
        actor: 'coordinator:coordinator',
        at: '2026-11-29T09:00:00.000Z',
      },
    ])
  })

  it('makes a region raised to high appear in ?risk=high, and a lowered one disappear', async () => {
    await t.call('PUT', '/api/v1/regions/330109/risk', {
      as: 'coordinator',
      body: { level: 'high', reason: '聚集性疫情' },
    })
    await t.call('PUT', '/api/v1/regions/310104/risk', {
      as: 'coordinator',
      body: { level: 'medium', reason: '降为中风险' },
    })
    const res = await t.call('GET', '/api/v1/regions?risk=high', { as: 'coordinator' })
    expect(codes(res.json)).toEqual(['310115', '330109'])
  })

  it('answers 404 for a well-formed code that is no region', async () => {
    expect((await t.call('GET', '/api/v1/regions/999999', { as: 'coordinator' })).status).toBe(404)
    const put = await t.call('PUT', '/api/v1/regions/999999/risk', {
      as: 'coordinator',
      body: { level: 'high', reason: '测试原因' },
    })
    expect(put.status).toBe(404)
    expect(put.json.error.code).toBe('not_found')
  })

  it('answers 400 for a malformed region code', async () => {
    for (const code of ['33010', '3301090', 'abcdef']) {
      const res = await t.call('GET', `/api/v1/regions/${code}`, { as: 'coordinator' })
      expect(res.status, code).toBe(400)
      expect(res.json.error.details).toEqual([expect.objectContaining({ field: 'code' })])
    }
    const put = await t.call('PUT', '/api/v1/regions/33A109/risk', {
      as: 'coordinator',
      body: { level: 'high', reason: '测试原因' },
    })
    expect(put.status).toBe(400)
  })

  it('refuses an unknown level with 400 naming the level field, and changes nothing', async () => {
    const res = await t.call('PUT', '/api/v1/regions/330108/risk', {
      as: 'coordinator',
      body: { level: 'severe', reason: '测试原因' },
    })
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('invalid_input')
    expect(res.json.error.details).toEqual([expect.objectContaining({ field: 'level' })])
    const region = await t.call('GET', '/api/v1/regions/330108', { as: 'coordinator' })
    expect(region.json.risk_level).toBe('low')
    expect(region.json.risk_history).toEqual([])
  })

  it('requires a reason for every change', async () => {
    for (const body of [{ level: 'high' }, { level: 'high', reason: ' ' }]) {
      const res = await t.call('PUT', '/api/v1/regions/330108/risk', { as: 'coordinator', body })
      expect(res.status).toBe(400)
      expect(res.json.error.details).toEqual([expect.objectContaining({ field: 'reason' })])
    }
  })
})
