import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from './support/test-app.ts'

const START = '2026-11-29T08:00:00.000Z'
const station = (code: string, extra: Record<string, unknown> = {}) => ({
  code,
  name: '临平物资中转站',
  region_code: '330113',
  address: '杭州市临平区 1 号',
  capacity_per_day: 120,
  ...extra,
})
const checkpoint = (code: string, kind: string, extra: Record<string, unknown> = {}) => ({
  code,
  name: '测试卡口',
  region_code: '330113',
  kind,
  ...extra,
})

describe('transfer stations', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ start: START })
  })

  it('creates a station, open round the clock by default', async () => {
    const res = await t.call('POST', '/api/v1/stations', {
      as: 'coordinator',
      body: station('HZ-LP-01'),
    })
    expect(res.status).toBe(201)
    expect(res.json).toEqual({
      ...station('HZ-LP-01'),
      opening_hours: '00:00-24:00',
      is_open: true,
      capacity_per_hour: null,
      closed_reason: null,
      created_at: START,
    })
  })

  it('shows the station by code and in the list', async () => {
    const one = await t.call('GET', '/api/v1/stations/HZ-LP-01', { as: 'enterprise' })
    expect(one.status).toBe(200)
    expect(one.json).toMatchObject({ code: 'HZ-LP-01', region_code: '330113', is_open: true })
    const list = await t.call('GET', '/api/v1/stations', { as: 'checkpoint' })
    expect(list.json.map((s: { code: string }) => s.code)).toEqual([
      'HZ-LP-01',
      'HZ-XS-01',
      'HZ-YH-01',
    ])
    const inRegion = await t.call('GET', '/api/v1/stations?region=330113', { as: 'checkpoint' })
    expect(inRegion.json.map((s: { code: string }) => s.code)).toEqual(['HZ-LP-01'])
  })

  it('closes a station with PATCH is_open false, keeping the rest of it', async () => {
    const res = await t.call('PATCH', '/api/v1/stations/HZ-LP-01', {
      as: 'coordinator',
      body: { is_open: false, closed_reason: '场地消杀' },
    })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({
      code: 'HZ-LP-01',
      is_open: false,
      capacity_per_day: 120,
      name: '临平物资中转站',
    })
    expect(
      (await t.call('GET', '/api/v1/stations/HZ-LP-01', { as: 'coordinator' })).json.is_open,
    ).toBe(false)
    const closed = await t.call('GET', '/api/v1/stations?open=false', { as: 'coordinator' })
    expect(closed.json.map((s: { code: string }) => s.code)).toEqual(['HZ-LP-01'])
    const open = await t.call('GET', '/api/v1/stations?open=true', { as: 'coordinator' })
    expect(open.json.map((s: { code: string }) => s.code)).toEqual(['HZ-XS-01', 'HZ-YH-01'])
  })

  it('changes hours and capacity, and reopens', async () => {
    const res = await t.call('PATCH', '/api/v1/stations/HZ-LP-01', {
      as: 'coordinator',
      body: { is_open: true, opening_hours: '06:00-22:00', capacity_per_day: 80 },
    })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({
      is_open: true,
      opening_hours: '06:00-22:00',
      capacity_per_day: 80,
    })
  })

  it('refuses malformed opening hours and a negative capacity with 400 naming the field', async () => {
    const hours = await t.call('PATCH', '/api/v1/stations/HZ-LP-01', {
      as: 'coordinator',
      body: { opening_hours: '6-22' },
    })
    expect(hours.status).toBe(400)
    expect(hours.json.error.details).toEqual([expect.objectContaining({ field: 'opening_hours' })])
    const capacity = await t.call('POST', '/api/v1/stations', {
      as: 'coordinator',
      body: station('HZ-LP-02', { capacity_per_day: -1 }),
    })
    expect(capacity.status).toBe(400)
    expect(capacity.json.error.details).toEqual([
      expect.objectContaining({ field: 'capacity_per_day' }),
    ])
  })

  it('answers 404 for an unknown station', async () => {
    expect((await t.call('GET', '/api/v1/stations/NO-SUCH', { as: 'coordinator' })).status).toBe(
      404,
    )
    expect(
      (
        await t.call('PATCH', '/api/v1/stations/NO-SUCH', {
          as: 'coordinator',
          body: { is_open: false, closed_reason: '场地消杀' },
        })
      ).status,
    ).toBe(404)
  })

  it('refuses an unknown region with 400 unknown_region naming region_code', async () => {
    const res = await t.call('POST', '/api/v1/stations', {
      as: 'coordinator',
      body: station('HZ-LP-03', { region_code: '999999' }),
    })
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('unknown_region')
    expect(res.json.error.details).toEqual([expect.objectContaining({ field: 'region_code' })])
  })

  it('refuses a duplicate code with 409 and leaves the first station as it was', async () => {
    const res = await t.call('POST', '/api/v1/stations', {
      as: 'coordinator',
      body: station('HZ-XS-01', { name: '重复的中转站' }),
    })
    expect(res.status).toBe(409)
    expect(res.json.error.code).toBe('station_exists')
    expect(
      (await t.call('GET', '/api/v1/stations/HZ-XS-01', { as: 'coordinator' })).json.name,
    ).toBe('萧山空港物资中转站')
  })
})

describe('checkpoints', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ start: START })
  })

  it.each(['highway_exit', 'road', 'transfer_station', 'destination'])(
    'creates a %s checkpoint',
    async (kind) => {
      const code = `LP-${kind.toUpperCase()}`
      const res = await t.call('POST', '/api/v1/checkpoints', {
        as: 'coordinator',
        body: checkpoint(code, kind),
      })
      expect(res.status).toBe(201)
      expect(res.json).toEqual({ ...checkpoint(code, kind), station_code: null, created_at: START })
      expect(
        (await t.call('GET', `/api/v1/checkpoints/${code}`, { as: 'checkpoint' })).json.kind,
      ).toBe(kind)
    },
  )

  it('links a transfer-station checkpoint to its station', async () => {
    const res = await t.call('POST', '/api/v1/checkpoints', {
      as: 'coordinator',
      body: checkpoint('YH-TS-01', 'transfer_station', {
        region_code: '330110',
        station_code: 'HZ-YH-01',
      }),
    })
    expect(res.status).toBe(201)
    expect(res.json.station_code).toBe('HZ-YH-01')
  })

  it('refuses an unknown station with 400 unknown_station', async () => {
    const res = await t.call('POST', '/api/v1/checkpoints', {
      as: 'coordinator',
      body: checkpoint('YH-TS-02', 'transfer_station', { station_code: 'NO-SUCH' }),
    })
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('unknown_station')
  })

  it('refuses a kind outside the enum with 400 naming kind', async () => {
    const res = await t.call('POST', '/api/v1/checkpoints', {
      as: 'coordinator',
      body: checkpoint('LP-BRIDGE', 'bridge'),
    })
    expect(res.status).toBe(400)
    expect(res.json.error.details).toEqual([expect.objectContaining({ field: 'kind' })])
  })

  it('refuses an unknown region with 400 unknown_region', async () => {
    const res = await t.call('POST', '/api/v1/checkpoints', {
      as: 'coordinator',
      body: checkpoint('LP-NOWHERE', 'road', { region_code: '999999' }),
    })
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('unknown_region')
  })

  it('refuses a duplicate code with 409 checkpoint_exists', async () => {
    const res = await t.call('POST', '/api/v1/checkpoints', {
      as: 'coordinator',
      body: checkpoint('HZ-G60-XS', 'road'),
    })
    expect(res.status).toBe(409)
    expect(res.json.error.code).toBe('checkpoint_exists')
    expect(
      (await t.call('GET', '/api/v1/checkpoints/HZ-G60-XS', { as: 'coordinator' })).json.kind,
    ).toBe('highway_exit')
  })

  it('refuses a code with characters outside letters, digits, _ and -', async () => {
    const res = await t.call('POST', '/api/v1/checkpoints', {
      as: 'coordinator',
      body: checkpoint('LP 01/x', 'road'),
    })
    expect(res.status).toBe(400)
    expect(res.json.error.details).toEqual([expect.objectContaining({ field: 'code' })])
  })

  it('lists checkpoints filtered by kind and region', async () => {
    const roads = await t.call('GET', '/api/v1/checkpoints?kind=road', { as: 'enterprise' })
    expect(roads.json.map((c: { code: string }) => c.code)).toEqual(['HZ-RD-104', 'LP-ROAD'])
    const inLinping = await t.call('GET', '/api/v1/checkpoints?region=330113', { as: 'enterprise' })
    expect(inLinping.json.map((c: { code: string }) => c.code).sort()).toEqual(
      ['LP-DESTINATION', 'LP-HIGHWAY_EXIT', 'LP-ROAD', 'LP-TRANSFER_STATION'].sort(),
    )
    const bad = await t.call('GET', '/api/v1/checkpoints?kind=bridge', { as: 'enterprise' })
    expect(bad.status).toBe(400)
  })

  it('answers 404 for an unknown checkpoint', async () => {
    const res = await t.call('GET', '/api/v1/checkpoints/NO-SUCH', { as: 'coordinator' })
    expect(res.status).toBe(404)
    expect(res.json.error.code).toBe('not_found')
  })
})
