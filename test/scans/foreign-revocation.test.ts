import { beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { issuePass, scan } from '../support/flow.ts'
import { generateSigningKey } from '../../src/keys/generate.ts'
import { loadSigningKeys, type SigningKeys } from '../../src/trust/signing-keys.ts'
import { signPassToken } from '../../src/passes/pass-token.ts'
import { signReceipt } from '../../src/receipts/receipt-token.ts'
import { encodeStatusList, signStatusList } from '../../src/trust/status-list.ts'
import { createVerifier } from '../../src/trust/key-resolver.ts'
import { recordScan } from '../../src/scans/record-scan.ts'
import { DEMO_LOGINS } from '../../src/demo/seed.ts'
import { toPrincipal } from '../../src/auth/accounts.repository.ts'
import { countingStore } from '../support/statement-counter.ts'

/**
 * The server's own verdict on another issuer's pass uses the status list last fetched from that
 * issuer (trusted_issuers.status_list, written here as the refresh job writes it), and the answer
 * says where the revocation data came from and how old it is (`trust`).
 */
const SHANGHAI = '310100'
const HOUR = 3_600_000

let t: TestApp
let shanghai: SigningKeys
beforeEach(async () => {
  t = await buildTestApp()
  shanghai = await loadSigningKeys(JSON.stringify([await generateSigningKey()]))
  const added = await t.call('POST', '/api/v1/trust/issuers', {
    as: 'admin',
    body: {
      issuer_code: SHANGHAI,
      name: '上海市 货运专班',
      jwks: { keys: [shanghai.current.publicJwk] },
    },
  })
  expect(added.status).toBe(201)
})

/** A pass of the Shanghai issuer with this serial, valid around the test clock's now. */
function shanghaiPass(serial: number, plate: string) {
  return signPassToken(
    {
      number: `${SHANGHAI}${String(serial).padStart(6, '0')}`,
      plate,
      validFrom: new Date(t.clock().getTime() - 24 * HOUR),
      validUntil: new Date(t.clock().getTime() + 10 * 24 * HOUR),
      origin: '310115',
      destination: 'HZ-XS-01',
    },
    shanghai.current,
  )
}

/** Stores Shanghai's list with these serials revoked, as fetched `fetchedAgoMs` before now. */
async function holdShanghaiList(revoked: number[], fetchedAgoMs: number, version = 1) {
  const now = t.clock()
  const iat = Math.floor(now.getTime() / 1000) - 60
  const jwt = await signStatusList(
    {
      issuer_code: SHANGHAI,
      sub: 'https://sh.example.cn/api/v1/trust/status-list',
      iat,
      exp: iat + 7 * 24 * 3600,
      ttl: 60,
      version,
      status_list: encodeStatusList(revoked),
    },
    shanghai.current,
  )
  await t.store.db
    .updateTable('trusted_issuers')
    .set({
      status_list: jwt,
      status_list_version: version,
      status_list_iat: iat,
      fetched_at: new Date(now.getTime() - fetchedAgoMs).toISOString(),
    })
    .where('issuer_code', '=', SHANGHAI)
    .execute()
}

/** A negative PCR receipt from Shanghai for this plate, sampled an hour ago. */
function shanghaiReceipt(plate: string) {
  const sampledAt = new Date(t.clock().getTime() - HOUR)
  return signReceipt(
    {
      issuer: SHANGHAI,
      plate,
      passNumber: null,
      test: 'pcr',
      sampledAt,
      result: 'negative',
      expiresAt: new Date(sampledAt.getTime() + 48 * HOUR),
    },
    shanghai.current,
  )
}

describe('another issuer’s pass against its fetched status list', () => {
  it('answers revoked for a serial set in the held list, and says the list’s age', async () => {
    await holdShanghaiList([777, 4242], 120_000)
    const revoked = await scan(t, { token: await shanghaiPass(777, '沪C77777') })
    expect(revoked.status).toBe(200)
    expect(revoked.json).toMatchObject({
      verdict: 'invalid',
      pass_status: 'invalid',
      reasons: ['revoked'],
      action: 'control_on_site',
      trust: { source: 'status_list', age_seconds: 120 },
      pass: { number: '310100000777', status: 'revoked', issuer_code: SHANGHAI },
    })
    expect(revoked.json).not.toHaveProperty('warnings')

    const kept = await scan(t, { token: await shanghaiPass(778, '沪C77778') })
    expect(kept.json).toMatchObject({
      verdict: 'valid',
      reasons: [],
      action: 'sample_then_release',
      trust: { source: 'status_list', age_seconds: 120 },
    })
  })

  it('warns of a list older than TRUST_WARN_AGE, and a receipt still releases', async () => {
    await holdShanghaiList([], (t.config.TRUST_WARN_AGE + 60) * 1000)
    const plate = '沪C10001'
    const answer = await scan(t, {
      token: await shanghaiPass(1001, plate),
      receipt: await shanghaiReceipt(plate),
    })
    expect(answer.json).toMatchObject({
      verdict: 'valid',
      action: 'release',
      warnings: ['trust_data_old'],
      receipt: { status: 'valid' },
      trust: { source: 'status_list', age_seconds: t.config.TRUST_WARN_AGE + 60 },
    })
  })

  it('never releases on a list older than TRUST_MAX_AGE: a valid receipt gives sample_then_release', async () => {
    await holdShanghaiList([777], (t.config.TRUST_MAX_AGE + 1) * 1000)
    const plate = '沪C10002'
    const answer = await scan(t, {
      token: await shanghaiPass(1002, plate),
      receipt: await shanghaiReceipt(plate),
    })
    expect(answer.json).toMatchObject({
      verdict: 'valid',
      pass_status: 'valid',
      action: 'sample_then_release',
      warnings: ['trust_data_stale'],
      receipt: { status: 'valid' },
      trust: { source: 'status_list', age_seconds: t.config.TRUST_MAX_AGE + 1 },
    })
    // A revoked serial on a stale list is still revoked: control on site, never a turn-back.
    const revoked = await scan(t, { token: await shanghaiPass(777, '沪C77777') })
    expect(revoked.json).toMatchObject({
      reasons: ['revoked'],
      action: 'control_on_site',
      warnings: ['trust_data_stale'],
    })
  })

  it('says source none, age null, when no list of that issuer is held', async () => {
    const answer = await scan(t, { token: await shanghaiPass(777, '沪C77777') })
    expect(answer.json).toMatchObject({
      verdict: 'valid',
      reasons: [],
      trust: { source: 'none', age_seconds: null },
    })
    expect(answer.json).not.toHaveProperty('warnings')
    expect(answer.json.pass).not.toHaveProperty('status')
  })

  it('says source database, age 0, for this issuer’s own pass, and none for a token that did not verify', async () => {
    await holdShanghaiList([1], 120_000)
    const pass = await issuePass(t)
    const own = await scan(t, { token: pass.token })
    expect(own.json).toMatchObject({
      verdict: 'valid',
      trust: { source: 'database', age_seconds: 0 },
    })
    const garbage = await scan(t, { token: 'not-a-pass' })
    expect(garbage.json).toMatchObject({
      reasons: ['malformed'],
      trust: { source: 'none', age_seconds: null },
    })
  })

  it('answers a retried scan with its stored trust, not today’s', async () => {
    await holdShanghaiList([], 120_000)
    const body = {
      id: crypto.randomUUID(),
      checkpoint_code: 'HZ-G60-XS',
      token: await shanghaiPass(5, '沪C00005'),
    }
    const first = await t.call('POST', '/api/v1/scans', { as: 'checkpoint', body })
    t.clock.advance(HOUR)
    const again = await t.call('POST', '/api/v1/scans', { as: 'checkpoint', body })
    expect(again.text).toBe(first.text)
    expect(again.json.trust).toEqual({ source: 'status_list', age_seconds: 120 })
  })

  it('sees a newly held list within LIST_CHECK_MS (5 s) of the refresh storing it', async () => {
    await holdShanghaiList([], 60_000)
    expect((await scan(t, { token: await shanghaiPass(31, '沪C00031') })).json.reasons).toEqual([])
    await holdShanghaiList([32, 33], 0, 2)
    t.clock.advance(6_000)
    const later = await scan(t, { token: await shanghaiPass(32, '沪C00032') })
    expect(later.json).toMatchObject({
      reasons: ['revoked'],
      trust: { source: 'status_list', age_seconds: 6 },
    })
  })
})

describe('the cost of another issuer’s list on the scan path', () => {
  it('reads the held list once per TRUST_CACHE_MS: a foreign scan then reads what an own one does', async () => {
    await holdShanghaiList([9], 0)
    const counter = countingStore(t.store)
    const deps = { store: counter.store, config: t.config, clock: t.clock }
    const verifier = createVerifier(deps)
    const username = DEMO_LOGINS.find((l) => l.role === 'checkpoint')!.username
    const principal = toPrincipal(
      await t.store.db
        .selectFrom('accounts')
        .selectAll()
        .where('username', '=', username)
        .executeTakeFirstOrThrow(),
    )
    const scanCounted = async (token: string) => {
      counter.take()
      const answer = JSON.parse(
        await recordScan(deps, verifier, principal, {
          id: crypto.randomUUID(),
          token,
          checkpoint_code: 'HZ-G60-XS',
        }),
      )
      return { answer, reads: counter.take().reads }
    }
    // First: the keys, the list's version and the list itself, besides the scan's 3 reads.
    const first = await scanCounted(await shanghaiPass(9, '沪C00009'))
    expect(first.answer.reasons).toEqual(['revoked'])
    expect(first.reads).toBe(3 + 3)
    // Within LIST_CHECK_MS (and TRUST_CACHE_MS for keys): nothing more than this issuer's own
    // pass reads (scan-cost.test.ts).
    t.clock.advance(4_000)
    const second = await scanCounted(await shanghaiPass(10, '沪C00010'))
    expect(second.answer).toMatchObject({ verdict: 'valid', trust: { source: 'status_list' } })
    expect(second.reads).toBe(3)
    const own = await scanCounted((await issuePass(t)).token)
    expect(own.answer.trust).toEqual({ source: 'database', age_seconds: 0 })
    expect(own.reads).toBe(3)
  })
})

describe('Verifier.revocation', () => {
  it('decodes a held list once per version; a refresh that only confirms it updates its age', async () => {
    const verifier = createVerifier({ store: t.store, config: t.config, clock: t.clock })
    expect(await verifier.revocation(SHANGHAI)).toBeUndefined()
    await holdShanghaiList([7], 0)
    // Cached "none held" until TRUST_CACHE_MS passes or the cache is invalidated.
    expect(await verifier.revocation(SHANGHAI)).toBeUndefined()
    verifier.invalidate()
    const first = (await verifier.revocation(SHANGHAI))!
    expect([first.list.isInvalid(7), first.list.isInvalid(8)]).toEqual([true, false])

    // Confirmed current (a 304): only fetched_at moves. The decoded list is the same object.
    const confirmed = new Date(t.clock().getTime() + 20_000)
    await t.store.db
      .updateTable('trusted_issuers')
      .set({ fetched_at: confirmed.toISOString() })
      .where('issuer_code', '=', SHANGHAI)
      .execute()
    t.clock.advance(31_000)
    const second = (await verifier.revocation(SHANGHAI))!
    expect(second.fetchedAt).toEqual(confirmed)
    expect(second.list).toBe(first.list)

    // A new version is decoded afresh.
    await holdShanghaiList([8], 0, 2)
    verifier.invalidate()
    const third = (await verifier.revocation(SHANGHAI))!
    expect(third.list).not.toBe(first.list)
    expect([third.list.isInvalid(7), third.list.isInvalid(8)]).toEqual([false, true])
  })

  it('holds no list for an issuer that is not trusted, or whose list does not decode', async () => {
    const verifier = createVerifier({ store: t.store, config: t.config, clock: t.clock })
    expect(await verifier.revocation('440300')).toBeUndefined()
    await t.store.db
      .updateTable('trusted_issuers')
      .set({
        status_list: 'e30.bm90LWpzb24.c2ln',
        status_list_version: 1,
        fetched_at: t.clock().toISOString(),
      })
      .where('issuer_code', '=', SHANGHAI)
      .execute()
    expect(await verifier.revocation(SHANGHAI)).toBeUndefined()
  })
})
