import { beforeEach, describe, expect, it } from 'vitest'
import type { Deps } from '../../src/app-env.ts'
import { ownStatusList, REISSUE_SECONDS } from '../../src/trust/own-status-list.ts'
import { decodeStatusList, serialOf, SERIAL_COUNT } from '../../src/trust/status-list.ts'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { issuePass } from '../support/flow.ts'

const SUB = 'https://hz.example.cn/api/v1/trust/status-list'
const START = '2026-11-29T08:00:00.000Z'
const seconds = (iso: string) => Date.parse(iso) / 1000

let t: TestApp
let deps: Deps
beforeEach(async () => {
  t = await buildTestApp({
    start: START,
    config: { TRUST_REFRESH_SECONDS: '45', TRUST_MAX_AGE: '200000' },
  })
  deps = { store: t.store, config: t.config, clock: t.clock }
})

async function revoke(number: string) {
  const res = await t.call('POST', `/api/v1/passes/${number}/revoke`, {
    as: 'coordinator',
    body: { reason: '司机核酸阳性' },
  })
  expect(res.status, res.text).toBe(200)
}

/** The serials the list marks, over all 10⁶. */
function marked(claims: { status_list: { bits: number; lst: string } }): number[] {
  const list = decodeStatusList(claims.status_list)
  const found: number[] = []
  for (let serial = 0; serial < SERIAL_COUNT; serial++)
    if (list.isInvalid(serial)) found.push(serial)
  return found
}

describe('this deployment’s own status list', () => {
  it('answers the same JWT and ETag twice in a row', async () => {
    const first = await ownStatusList(deps, SUB)
    const second = await ownStatusList(deps, SUB)
    expect(second.jwt).toBe(first.jwt)
    expect(second.etag).toBe(first.etag)
    expect(second, 'built once per content').toBe(first)
    expect(first.etag).toMatch(/^"sl-330100-0-\d+-[^"]+"$/)
    // Another instance over the same database signs the very same JWT (Ed25519 is deterministic).
    const elsewhere = await ownStatusList({ ...deps }, SUB)
    expect(elsewhere.jwt).toBe(first.jwt)
  })

  it('starts empty, at version 0, issued at the start of the hour', async () => {
    t.clock.set('2026-11-29T08:25:13.000Z')
    const list = await ownStatusList(deps, SUB)
    expect(list.claims).toMatchObject({
      issuer_code: '330100',
      sub: SUB,
      iat: seconds('2026-11-29T08:00:00Z'),
      version: 0,
    })
    expect(marked(list.claims)).toEqual([])
  })

  it('changes version, iat and ETag with a revocation, and sets that pass’s serial', async () => {
    const pass = await issuePass(t, { plate: '浙A10001' })
    t.clock.set('2026-11-29T08:10:00.000Z')
    const before = await ownStatusList(deps, SUB)
    t.clock.set('2026-11-29T08:17:42.000Z')
    await revoke(pass.number)
    const after = await ownStatusList(deps, SUB)
    expect(after.claims.version).toBeGreaterThan(before.claims.version)
    expect(before.claims.iat).toBe(seconds('2026-11-29T08:00:00Z'))
    expect(after.claims.iat).toBe(seconds('2026-11-29T08:17:42Z'))
    expect(after.etag).not.toBe(before.etag)
    expect(after.jwt).not.toBe(before.jwt)
    expect(marked(before.claims)).toEqual([])
    expect(marked(after.claims)).toEqual([serialOf(pass.number)])
  })

  it('sets the serial of a superseded pass too, not of the pass that replaced it', async () => {
    const first = await issuePass(t, { plate: '浙A20001' })
    const second = await issuePass(t, { plate: '浙A20001' })
    const list = await ownStatusList(deps, SUB)
    expect(marked(list.claims)).toEqual([serialOf(first.number)])
    expect(list.claims.version).toBe(1)
    expect(serialOf(second.number)).not.toBe(serialOf(first.number))
  })

  it('keeps a revoked pass until its window ended more than a day before `iat`', async () => {
    const pass = await issuePass(t, {
      plate: '浙A30001',
      valid_until: '2026-11-30T16:00:00+08:00',
    })
    const kept = await issuePass(t, { plate: '浙A30002' })
    await revoke(pass.number)
    await revoke(kept.number)
    const serials = [serialOf(pass.number), serialOf(kept.number)]
    // Its window ended 2026-11-30T08:00Z; a list issued a day later still has it.
    t.clock.set('2026-12-01T08:59:59.000Z')
    const dayLater = await ownStatusList(deps, SUB)
    expect(dayLater.claims.iat).toBe(seconds('2026-12-01T08:00:00Z'))
    expect(marked(dayLater.claims)).toEqual(serials)
    // The next hour's list leaves it out: it fails on its own expiry.
    t.clock.set('2026-12-01T09:00:00.000Z')
    const hourLater = await ownStatusList(deps, SUB)
    expect(hourLater.claims.iat).toBe(seconds('2026-12-01T09:00:00Z'))
    expect(marked(hourLater.claims)).toEqual([serialOf(kept.number)])
    expect(hourLater.etag).not.toBe(dayLater.etag)
  })

  it('is issued at the start of the hour when nothing changed in it, at the change otherwise', async () => {
    const pass = await issuePass(t, { plate: '浙A40001' })
    t.clock.set('2026-11-29T08:40:05.000Z')
    await revoke(pass.number)
    expect((await ownStatusList(deps, SUB)).claims.iat).toBe(seconds('2026-11-29T08:40:05Z'))
    t.clock.set('2026-11-29T08:59:00.000Z')
    const sameHour = await ownStatusList(deps, SUB)
    expect(sameHour.claims.iat).toBe(seconds('2026-11-29T08:40:05Z'))
    t.clock.set('2026-11-29T09:25:00.000Z')
    const nextHour = await ownStatusList(deps, SUB)
    expect(nextHour.claims.iat).toBe(seconds('2026-11-29T09:00:00Z'))
    expect(nextHour.claims.iat % REISSUE_SECONDS).toBe(0)
    expect(nextHour.etag).not.toBe(sameHour.etag)
    // Same content, same version: only the issue time moved on.
    expect(nextHour.claims.version).toBe(sameHour.claims.version)
    expect(marked(nextHour.claims)).toEqual([serialOf(pass.number)])
  })

  it('lives TRUST_MAX_AGE past `iat`, and tells readers to come back after TRUST_REFRESH_SECONDS', async () => {
    t.clock.set('2026-11-29T08:30:00.000Z')
    const { claims } = await ownStatusList(deps, SUB)
    expect(claims.exp).toBe(claims.iat + 200_000)
    expect(claims.ttl).toBe(45)
  })

  it('names where it is published in `sub`, with one ETag for one content', async () => {
    const here = await ownStatusList(deps, SUB)
    const there = await ownStatusList(deps, 'http://10.0.0.8:8787/api/v1/trust/status-list')
    expect(there.claims.sub).toBe('http://10.0.0.8:8787/api/v1/trust/status-list')
    expect(there.etag).toBe(here.etag)
    expect({ ...there.claims, sub: SUB }).toEqual(here.claims)
    // Both addresses are kept: asking for the first again neither encodes nor signs anew.
    expect(await ownStatusList(deps, SUB)).toBe(here)
    expect(await ownStatusList(deps, there.claims.sub)).toBe(there)
  })
})
