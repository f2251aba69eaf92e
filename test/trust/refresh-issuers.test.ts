import { beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { generateSigningKey } from '../../src/keys/generate.ts'
import { loadSigningKeys, type SigningKey } from '../../src/trust/signing-keys.ts'
import {
  encodeStatusList,
  signStatusList,
  type StatusListClaims,
} from '../../src/trust/status-list.ts'
import {
  ALERT_AFTER_FAILURES,
  problemsOf,
  refreshTrustedIssuers,
} from '../../src/trust/refresh-issuers.ts'
import { MAX_TRUST_DOCUMENT_BYTES } from '../../src/trust/fetch-trust-document.ts'
import type { Deps } from '../../src/app-env.ts'

// Federation: the refresh fetches each trusted issuer's JWKS and status list through a fake
// fetch here (test/trust/federation-two-servers.test.ts does it over real HTTP).

const SH = '310100'
const JWKS_URL = 'https://tx.sh.example.cn/.well-known/jwks.json'
const LIST_URL = 'https://tx.sh.example.cn/api/v1/trust/status-list'

async function newKey(): Promise<SigningKey> {
  return (await loadSigningKeys(JSON.stringify([await generateSigningKey()]))).current
}

/** What the fake Shanghai server answers, changed by each test; and what it was asked. */
interface Served {
  jwks: () => Response | Promise<Response>
  list: () => Response | Promise<Response>
}

function fakeFetch(served: Served, asked: { url: string; ifNoneMatch: string | null }[]) {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input)
    const headers = new Headers(init?.headers)
    asked.push({ url, ifNoneMatch: headers.get('if-none-match') })
    if (url === JWKS_URL) return served.jwks()
    if (url === LIST_URL) return served.list()
    return new Response('not found', { status: 404 })
  }) as typeof fetch
}

let t: TestApp
let deps: Deps
let key: SigningKey
let served: Served
let asked: { url: string; ifNoneMatch: string | null }[]
let refresh: () => ReturnType<typeof refreshTrustedIssuers>

const jwksOf = (...keys: SigningKey[]) => ({ keys: keys.map((k) => k.publicJwk) })

async function statusList(
  claims: Partial<StatusListClaims> & { version: number },
  revoked: number[] = [],
  signer: SigningKey = key,
): Promise<string> {
  const iat = Math.floor(t.clock().getTime() / 1000)
  return signStatusList(
    {
      issuer_code: SH,
      sub: LIST_URL,
      iat,
      exp: iat + 72 * 3600,
      ttl: 60,
      status_list: await encodeStatusList(revoked),
      ...claims,
    },
    signer,
  )
}

const json = (body: unknown, etag?: string) =>
  new Response(JSON.stringify(body), {
    status: 200,
    headers: { 'content-type': 'application/json', ...(etag ? { etag } : {}) },
  })
const jwt = (token: string, etag?: string) =>
  new Response(token, {
    status: 200,
    headers: { 'content-type': 'application/statuslist+jwt', ...(etag ? { etag } : {}) },
  })

const row = (code = SH) =>
  t.store.db
    .selectFrom('trusted_issuers')
    .selectAll()
    .where('issuer_code', '=', code)
    .executeTakeFirstOrThrow()

const audits = (action: string) =>
  t.store.db
    .selectFrom('audit_log')
    .selectAll()
    .where('action', '=', action)
    .orderBy('seq')
    .execute()

async function trust(code: string, keys: SigningKey[], urls = { jwks: JWKS_URL, list: LIST_URL }) {
  await t.store.db
    .insertInto('trusted_issuers')
    .values({
      issuer_code: code,
      name: '上海市货运专班',
      jwks: JSON.stringify(jwksOf(...keys)),
      added_by: 'admin:admin',
      added_at: t.clock().toISOString(),
      jwks_url: urls.jwks,
      status_list_url: urls.list,
    })
    .execute()
}

beforeEach(async () => {
  t = await buildTestApp({ seed: false })
  key = await newKey()
  asked = []
  const firstList = await statusList({ version: 7 }, [12, 345])
  served = {
    jwks: () => json(jwksOf(key), '"jwks-1"'),
    list: () => jwt(firstList, '"sl-7"'),
  }
  deps = { store: t.store, config: t.config, clock: t.clock }
  refresh = () => refreshTrustedIssuers(deps, fakeFetch(served, asked))
  await trust(SH, [key])
})

describe('a good refresh', () => {
  it('stores the verified list unchanged, with its version, iat and ETag', async () => {
    const list = await statusList({ version: 9 }, [42])
    served.list = () => jwt(`${list}\n`, '"sl-9"')
    const [result] = await refresh()
    expect(result).toMatchObject({ issuer_code: SH, ok: true, status_list_updated: true })
    const r = await row()
    expect(r.status_list).toBe(list)
    expect(r).toMatchObject({
      status_list_version: 9,
      status_list_iat: Math.floor(t.clock().getTime() / 1000),
      status_list_etag: '"sl-9"',
      jwks_etag: '"jwks-1"',
      fetched_at: t.clock().toISOString(),
      last_error: null,
      failures: 0,
    })
  })

  it('sends the ETags back, and a 304 confirms the held copy (fetched_at moves)', async () => {
    await refresh()
    const held = await row()
    t.clock.advance(60_000)
    asked.length = 0
    served.jwks = () => new Response(null, { status: 304 })
    served.list = () => new Response(null, { status: 304 })
    const [result] = await refresh()
    expect(result!.ok).toBe(true)
    expect(asked).toEqual([
      { url: JWKS_URL, ifNoneMatch: '"jwks-1"' },
      { url: LIST_URL, ifNoneMatch: '"sl-7"' },
    ])
    const after = await row()
    expect(after.status_list).toBe(held.status_list)
    expect(after.fetched_at).toBe(t.clock().toISOString())
    expect(after.fetched_at).not.toBe(held.fetched_at)
  })

  it('asks for the whole list again once the held one has expired', async () => {
    await refresh()
    t.clock.advance(73 * 3600_000)
    asked.length = 0
    const fresh = await statusList({ version: 7 })
    served.list = () => jwt(fresh, '"sl-7b"')
    const [result] = await refresh()
    expect(result!.ok).toBe(true)
    expect(asked.find((a) => a.url === LIST_URL)!.ifNoneMatch).toBeNull()
    expect((await row()).status_list).toBe(fresh)
  })

  it('leaves issuers registered without addresses alone', async () => {
    await trust('440300', [await newKey()], { jwks: null!, list: null! })
    const results = await refresh()
    expect(results.map((r) => r.issuer_code)).toEqual([SH])
    expect((await row('440300')).fetched_at).toBeNull()
  })
})

describe('what is refused keeps the last good copy', () => {
  /** `listStillFresh`: only the JWKS was refused; the list verified with the held keys is current. */
  async function expectRefused(problem: string, listStillFresh = false) {
    const held = await row()
    t.clock.advance(60_000)
    const [result] = await refresh()
    expect(result!.ok).toBe(false)
    const after = await row()
    expect(problemsOf(after.last_error)).toContain(problem)
    expect(after.status_list).toBe(held.status_list)
    expect(after.status_list_version).toBe(held.status_list_version)
    expect(after.fetched_at).toBe(listStillFresh ? t.clock().toISOString() : held.fetched_at)
    expect(after.failures).toBe(held.failures + 1)
    expect(after.last_error_at).toBe(t.clock().toISOString())
    return after
  }

  beforeEach(async () => {
    expect((await refresh())[0]!.ok).toBe(true)
  })

  it('refuses a list signed by another key under the issuer’s kid', async () => {
    const forger = await newKey()
    const forged = await statusList({ version: 8 }, [], { ...forger, kid: key.kid })
    served.list = () => jwt(forged)
    await expectRefused('status_list_bad_signature')
  })

  it('refuses a list signed by a key the issuer does not publish', async () => {
    const forged = await statusList({ version: 8 }, [], await newKey())
    served.list = () => jwt(forged)
    await expectRefused('status_list_bad_signature')
  })

  it('refuses a list that names another issuer', async () => {
    const other = await statusList({ version: 8, issuer_code: '440300' })
    served.list = () => jwt(other)
    await expectRefused('status_list_wrong_issuer')
  })

  it('never accepts a list older than the one it holds (version, then iat)', async () => {
    const older = await statusList({ version: 6 })
    served.list = () => jwt(older)
    const after = await expectRefused('status_list_older')
    expect(after.last_error).toMatch(/version 6.*older than the one held \(version 7/)

    const heldIat = (await row()).status_list_iat!
    const sameVersionEarlier = await statusList({ version: 7, iat: heldIat - 60 })
    served.list = () => jwt(sameVersionEarlier)
    await expectRefused('status_list_older')
  })

  it('refuses an expired list and one that is not a status list', async () => {
    const iat = Math.floor(t.clock().getTime() / 1000)
    const expired = await statusList({ version: 8, iat: iat - 7200, exp: iat - 3600 })
    served.list = () => jwt(expired)
    await expectRefused('status_list_expired')
    served.list = () => jwt('not-a-jwt')
    await expectRefused('status_list_invalid')
  })

  it('counts a network error and an HTTP 500, first failure kept as failing_since', async () => {
    served.list = () => Promise.reject(new TypeError('fetch failed'))
    const first = await expectRefused('status_list_unreachable')
    expect(first.last_error).toContain('network error (fetch failed)')
    expect(first.failing_since).toBe(t.clock().toISOString())

    served.list = () => new Response('down', { status: 500 })
    const second = await expectRefused('status_list_unreachable')
    expect(second.last_error).toContain('HTTP 500')
    expect(second.failing_since).toBe(first.failing_since)
  })

  it('gives up on a silent server and on an answer over 2 MB', async () => {
    served.list = () =>
      Promise.reject(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))
    const timedOut = await expectRefused('status_list_unreachable')
    expect(timedOut.last_error).toContain('no answer within 10 s')

    served.list = () => jwt('x'.repeat(MAX_TRUST_DOCUMENT_BYTES + 1))
    const large = await expectRefused('status_list_unreachable')
    expect(large.last_error).toContain('larger than 2 MB')

    // Counted while streaming too, when no Content-Length is declared.
    served.list = () =>
      new Response(
        new ReadableStream({
          pull(controller) {
            controller.enqueue(new Uint8Array(512 * 1024))
          },
        }),
      )
    const streamed = await expectRefused('status_list_unreachable')
    expect(streamed.last_error).toContain('larger than 2 MB')
  })

  it('refuses a JWKS with private key material', async () => {
    served.jwks = () => json({ keys: [{ ...key.publicJwk, d: 'c2VjcmV0' }] })
    const after = await expectRefused('jwks_invalid', true)
    expect(after.last_error).toContain('private key material')
  })

  it('refuses a key set replaced entirely, and a list signed by its keys, until an admin confirms', async () => {
    const intruder = await newKey()
    served.jwks = () => json(jwksOf(intruder))
    const intruderList = await statusList({ version: 99 }, [], intruder)
    served.list = () => jwt(intruderList)
    const after = await expectRefused('jwks_replaced')
    expect(problemsOf(after.last_error)).toEqual(['jwks_replaced', 'status_list_bad_signature'])
    expect(after.last_error).toContain('key set replaced entirely, an admin must confirm')
    expect(JSON.parse(after.jwks)).toEqual(jwksOf(key))
    expect(await audits('trust.jwks_updated')).toHaveLength(0)
  })

  it('refuses a held kid given another key', async () => {
    const other = await newKey()
    served.jwks = () => json({ keys: [{ ...other.publicJwk, kid: key.kid }] })
    const after = await expectRefused('jwks_key_changed', true)
    expect(problemsOf(after.last_error)).toEqual(['jwks_key_changed'])
    expect(JSON.parse((await row()).jwks)).toEqual(jwksOf(key))
  })

  it('keeps refreshing other issuers when one fails', async () => {
    await trust('440300', [await newKey()], {
      jwks: 'https://tx.sz.example.cn/.well-known/jwks.json',
      list: 'https://tx.sz.example.cn/api/v1/trust/status-list',
    })
    const newer = await statusList({ version: 8 })
    served.list = () => jwt(newer)
    const results = await refresh()
    expect(results.map((r) => [r.issuer_code, r.ok])).toEqual([
      [SH, true],
      ['440300', false],
    ])
    expect((await row()).status_list_version).toBe(8)
    expect(problemsOf((await row('440300')).last_error)).toEqual([
      'jwks_unreachable',
      'status_list_unreachable',
    ])
  })
})

describe('rotation', () => {
  it('accepts a JWKS that adds a key, and a list signed by it in the same refresh; audited', async () => {
    await refresh()
    const next = await newKey()
    served.jwks = () => json(jwksOf(key, next), '"jwks-2"')
    const signedByNew = await statusList({ version: 8 }, [5], next)
    served.list = () => jwt(signedByNew, '"sl-8"')
    const [result] = await refresh()
    expect(result).toMatchObject({ ok: true, jwks_updated: true, status_list_updated: true })
    const r = await row()
    expect(JSON.parse(r.jwks).keys.map((k: { kid: string }) => k.kid)).toEqual([key.kid, next.kid])
    expect(r).toMatchObject({ jwks_etag: '"jwks-2"', status_list_version: 8 })
    const [audit] = await audits('trust.jwks_updated')
    expect(audit).toMatchObject({ actor: 'system', subject: `issuer:${SH}` })
    expect(JSON.parse(audit!.after!)).toMatchObject({ kids: [key.kid, next.kid] })

    // Later the old key is dropped: the set still shares the new one, so it is taken.
    served.jwks = () => json(jwksOf(next), '"jwks-3"')
    expect((await refresh())[0]!.ok).toBe(true)
    expect(JSON.parse((await row()).jwks)).toEqual(jwksOf(next))
  })
})

describe('the alert for a fetch that keeps failing', () => {
  it(`opens after ${ALERT_AFTER_FAILURES} failures in a row over at least 5 minutes, and closes on success`, async () => {
    await refresh()
    served.list = () => new Response('down', { status: 503 })
    // Five failures a minute apart: 4 minutes from the first, not yet.
    for (let i = 0; i < 5; i++) {
      t.clock.advance(60_000)
      await refresh()
    }
    expect(await row()).toMatchObject({ failures: 5, alert_opened_at: null })
    expect(await audits('trust.fetch_failing')).toHaveLength(0)

    t.clock.advance(60_000)
    await refresh()
    const alerted = await row()
    expect(alerted.failures).toBe(6)
    expect(alerted.alert_opened_at).toBe(t.clock().toISOString())
    const [opened] = await audits('trust.fetch_failing')
    expect(opened).toMatchObject({ actor: 'system', subject: `issuer:${SH}` })
    expect(JSON.parse(opened!.after!)).toMatchObject({
      failures: 6,
      failing_since: alerted.failing_since,
    })

    // Opened once: further failures add no entry.
    t.clock.advance(60_000)
    await refresh()
    expect(await audits('trust.fetch_failing')).toHaveLength(1)
    expect((await row()).alert_opened_at).toBe(alerted.alert_opened_at)

    const newer = await statusList({ version: 8 })
    served.list = () => jwt(newer)
    t.clock.advance(60_000)
    await refresh()
    expect(await row()).toMatchObject({
      failures: 0,
      failing_since: null,
      alert_opened_at: null,
      last_error: null,
      last_error_at: null,
      status_list_version: 8,
    })
    const [recovered] = await audits('trust.fetch_recovered')
    expect(JSON.parse(recovered!.before!)).toMatchObject({
      alert_opened_at: alerted.alert_opened_at,
      failures: 7,
    })
  })

  it('does not alert on many failures within a few minutes', async () => {
    served.list = () => new Response('down', { status: 503 })
    for (let i = 0; i < 10; i++) {
      t.clock.advance(20_000)
      await refresh()
    }
    expect(await row()).toMatchObject({ failures: 10, alert_opened_at: null })
  })
})

describe('overlapping refreshes', () => {
  it('joins a refresh already running instead of starting another', async () => {
    const first = refresh()
    const second = refresh()
    expect(second).toBe(first)
    await first
    expect(asked.filter((a) => a.url === LIST_URL)).toHaveLength(1)
  })

  it('writes nothing over an admin’s change made while it fetched', async () => {
    served.list = async () => {
      await t.store.db
        .updateTable('trusted_issuers')
        .set({ status_list_url: 'https://elsewhere.example.cn/list' })
        .where('issuer_code', '=', SH)
        .execute()
      return jwt(await statusList({ version: 9 }))
    }
    const [result] = await refresh()
    expect(result!.ok).toBe(false)
    expect(await row()).toMatchObject({
      status_list: null,
      status_list_url: 'https://elsewhere.example.cn/list',
    })
  })
})
