import { beforeAll, describe, expect, it } from 'vitest'
import {
  decideWhitelist,
  isProvincialOrAbove,
  type WhitelistState,
} from '../../src/enterprises/whitelist.ts'
import type { WhitelistStatus } from '../../src/enterprises/enterprises.table.ts'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { enterpriseBody, everyStoredText } from '../support/reference-data.ts'

// The state each "from" row starts in: a firm past pending has a level on record.
const FROM: Record<WhitelistStatus, WhitelistState> = {
  pending: { status: 'pending', level: null },
  active: { status: 'active', level: 'provincial' },
  suspended: { status: 'suspended', level: 'municipal' },
  removed: { status: 'removed', level: 'municipal' },
}

// Every (from, to) pair; `to` active asks for the national level, so active → active is a regrade.
const TABLE: [WhitelistStatus, WhitelistStatus, WhitelistState | 'whitelist_transition'][] = [
  ['pending', 'pending', 'whitelist_transition'],
  ['pending', 'active', { status: 'active', level: 'national' }],
  ['pending', 'suspended', 'whitelist_transition'],
  ['pending', 'removed', { status: 'removed', level: null }],
  ['active', 'pending', 'whitelist_transition'],
  ['active', 'active', { status: 'active', level: 'national' }],
  ['active', 'suspended', { status: 'suspended', level: 'provincial' }],
  ['active', 'removed', { status: 'removed', level: 'provincial' }],
  ['suspended', 'pending', 'whitelist_transition'],
  ['suspended', 'active', { status: 'active', level: 'national' }],
  ['suspended', 'suspended', 'whitelist_transition'],
  ['suspended', 'removed', { status: 'removed', level: 'municipal' }],
  ['removed', 'pending', { status: 'pending', level: null }],
  ['removed', 'active', 'whitelist_transition'],
  ['removed', 'suspended', 'whitelist_transition'],
  ['removed', 'removed', 'whitelist_transition'],
]

describe('decideWhitelist', () => {
  it.each(TABLE)('%s → %s', (from, to, expected) => {
    const decision = decideWhitelist(FROM[from], {
      status: to,
      level: to === 'active' ? 'national' : undefined,
    })
    if (expected === 'whitelist_transition') {
      expect(decision).toEqual({
        ok: false,
        code: 'whitelist_transition',
        message: expect.stringContaining(from),
      })
    } else {
      expect(decision).toEqual({ ok: true, next: expected })
    }
  })

  it('requires a level to make a pending firm active', () => {
    for (const level of [undefined, null]) {
      expect(decideWhitelist(FROM.pending, { status: 'active', level })).toMatchObject({
        ok: false,
        code: 'level_required',
      })
    }
  })

  it('keeps the level on record when a suspended firm is reinstated without naming one', () => {
    expect(decideWhitelist(FROM.suspended, { status: 'active' })).toEqual({
      ok: true,
      next: { status: 'active', level: 'municipal' },
    })
  })

  it('refuses a decision that changes nothing', () => {
    expect(decideWhitelist(FROM.active, { status: 'active', level: 'provincial' })).toMatchObject({
      ok: false,
      code: 'whitelist_unchanged',
    })
    expect(decideWhitelist(FROM.active, { status: 'active' })).toMatchObject({
      ok: false,
      code: 'whitelist_unchanged',
    })
  })

  it('ignores a level given with a non-active status: a suspended firm keeps the level it lost', () => {
    expect(decideWhitelist(FROM.active, { status: 'suspended', level: 'national' })).toEqual({
      ok: true,
      next: { status: 'suspended', level: 'provincial' },
    })
  })

  it('counts provincial and national, not municipal, as 省级以上', () => {
    expect(isProvincialOrAbove('national')).toBe(true)
    expect(isProvincialOrAbove('provincial')).toBe(true)
    expect(isProvincialOrAbove('municipal')).toBe(false)
    expect(isProvincialOrAbove(null)).toBe(false)
  })
})

describe('registering an enterprise and deciding its whitelist state', () => {
  const START = '2026-11-29T08:00:00.000Z'
  const PHONE = '13812345678'
  let t: TestApp
  let id: string
  beforeAll(async () => {
    t = await buildTestApp({ start: START })
  })

  it('registers an enterprise as pending with no level and the contact phone masked', async () => {
    const res = await t.call('POST', '/api/v1/enterprises', {
      as: 'coordinator',
      body: enterpriseBody(1, { contact_phone: PHONE }),
    })
    expect(res.status).toBe(201)
    expect(res.json).toMatchObject({
      id: expect.any(String),
      uscc: enterpriseBody(1).uscc,
      name: enterpriseBody(1).name,
      contact_phone: '138****5678',
      region_code: '330109',
      whitelist: { status: 'pending', level: null },
      created_at: START,
    })
    expect(res.text).not.toContain(PHONE)
    id = res.json.id
  })

  it('refuses a second registration of the same USCC with 409', async () => {
    const res = await t.call('POST', '/api/v1/enterprises', {
      as: 'coordinator',
      body: enterpriseBody(2, { uscc: enterpriseBody(1).uscc.toLowerCase() }),
    })
    expect(res.status).toBe(409)
    expect(res.json.error.code).toBe('enterprise_exists')
  })

  it('refuses an unknown region (400) and a phone that is not a mobile number (400 naming the field)', async () => {
    const region = await t.call('POST', '/api/v1/enterprises', {
      as: 'coordinator',
      body: enterpriseBody(3, { region_code: '999999' }),
    })
    expect(region.status).toBe(400)
    expect(region.json.error.code).toBe('unknown_region')
    const phone = await t.call('POST', '/api/v1/enterprises', {
      as: 'coordinator',
      body: enterpriseBody(4, { contact_phone: '0571-8888888' }),
    })
    expect(phone.status).toBe(400)
    expect(phone.json.error.details).toEqual([expect.objectContaining({ field: 'contact_phone' })])
  })

  it('refuses to make it active without a level: 400 naming the level field', async () => {
    const res = await t.call('POST', `/api/v1/enterprises/${id}/whitelist`, {
      as: 'coordinator',
      body: { status: 'active', reason: '保供企业' },
    })
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('level_required')
    expect(res.json.error.details).toEqual([expect.objectContaining({ field: 'level' })])
  })

  it('refuses a transition the rules do not allow with 409 and changes nothing', async () => {
    const res = await t.call('POST', `/api/v1/enterprises/${id}/whitelist`, {
      as: 'coordinator',
      body: { status: 'suspended', reason: '未闭环' },
    })
    expect(res.status).toBe(409)
    expect(res.json.error.code).toBe('whitelist_transition')
    const after = await t.call('GET', `/api/v1/enterprises/${id}`, { as: 'coordinator' })
    expect(after.json.whitelist).toEqual({ status: 'pending', level: null })
    expect(after.json.whitelist_history).toHaveLength(1)
  })

  it('applies allowed decisions and keeps each one with its actor, the clock’s time and the reason, newest first', async () => {
    t.clock.set('2026-11-29T09:00:00.000Z')
    const activate = await t.call('POST', `/api/v1/enterprises/${id}/whitelist`, {
      as: 'coordinator',
      body: { status: 'active', level: 'provincial', reason: '省级保供企业' },
    })
    expect(activate.status).toBe(200)
    expect(activate.json.whitelist).toEqual({ status: 'active', level: 'provincial' })
    expect(activate.json.contact_phone).toBe('138****5678')

    t.clock.set('2026-11-29T10:30:00.000Z')
    const suspend = await t.call('POST', `/api/v1/enterprises/${id}/whitelist`, {
      as: 'admin',
      body: { status: 'suspended', reason: '车辆未按规定闭环' },
    })
    expect(suspend.status).toBe(200)
    expect(suspend.json.whitelist).toEqual({ status: 'suspended', level: 'provincial' })

    const res = await t.call('GET', `/api/v1/enterprises/${id}`, { as: 'coordinator' })
    expect(res.status).toBe(200)
    expect(res.json.whitelist).toEqual({ status: 'suspended', level: 'provincial' })
    expect(res.json.whitelist_history).toEqual([
      {
        previous_status: 'active',
        previous_level: 'provincial',
        status: 'suspended',
        level: 'provincial',
        reason: '车辆未按规定闭环',
        actor: 'admin:admin',
        at: '2026-11-29T10:30:00.000Z',
      },
      {
        previous_status: 'pending',
        previous_level: null,
        status: 'active',
        level: 'provincial',
        reason: '省级保供企业',
        actor: 'coordinator:coordinator',
        at: '2026-11-29T09:00:00.000Z',
      },
      {
        previous_status: null,
        previous_level: null,
        status: 'pending',
        level: null,
        reason: 'registered',
        actor: 'coordinator:coordinator',
        at: START,
      },
    ])
  })

  it('answers 404 for a decision on an unknown enterprise', async () => {
    const res = await t.call('POST', '/api/v1/enterprises/no-such-firm/whitelist', {
      as: 'coordinator',
      body: { status: 'active', level: 'national', reason: '保供企业' },
    })
    expect(res.status).toBe(404)
  })

  it('lists only active enterprises for ?whitelist=active', async () => {
    const reinstated = await t.call('POST', `/api/v1/enterprises/${id}/whitelist`, {
      as: 'coordinator',
      body: { status: 'active', reason: '整改完成' },
    })
    expect(reinstated.json.whitelist).toEqual({ status: 'active', level: 'provincial' })

    const res = await t.call('GET', '/api/v1/enterprises?whitelist=active', { as: 'coordinator' })
    expect(res.status).toBe(200)
    const ids = res.json.map((e: { id: string }) => e.id).sort()
    expect(ids).toEqual(['demo-ent-1', 'demo-ent-2', 'demo-ent-3', id].sort())
    for (const e of res.json) expect(e.whitelist.status).toBe('active')

    const suspended = await t.call('GET', '/api/v1/enterprises?whitelist=suspended', {
      as: 'coordinator',
    })
    expect(suspended.json.map((e: { id: string }) => e.id)).toEqual(['demo-ent-5'])
  })

  it('refuses an unknown whitelist filter with 400', async () => {
    const res = await t.call('GET', '/api/v1/enterprises?whitelist=approved', { as: 'coordinator' })
    expect(res.status).toBe(400)
    expect(res.json.error.details).toEqual([expect.objectContaining({ field: 'whitelist' })])
  })

  it('never stores the contact phone in clear anywhere in the database', () => {
    const stored = t.sqlite
      .prepare('SELECT contact_phone_enc, contact_phone_masked FROM enterprises WHERE id = ?')
      .get(id) as Record<string, string>
    expect(stored.contact_phone_enc).toMatch(/^v2\.[0-9a-f]{8}\./)
    expect(stored.contact_phone_masked).toBe('138****5678')
    const texts = everyStoredText(t.sqlite)
    expect(texts.some((text) => text.includes(PHONE))).toBe(false)
    // The demo firms' phones (1380571000n) are not there in clear either.
    expect(texts.some((text) => /1380571000\d/.test(text))).toBe(false)
  })
})
