import { beforeAll, describe, expect, it } from 'vitest'
import { build } from 'esbuild'
import { UI_BUILD_OPTIONS } from '../../scripts/ui-bundle.ts'
import { generateSigningKey } from '../../src/keys/generate.ts'
import { loadSigningKeys, type SigningKeys } from '../../src/trust/signing-keys.ts'
import { syncTrustClock } from '../../src/trust/trust-age.ts'
import * as source from '../../src/ui/client/trust-bundle.ts'
import type { DecodedLists, StoredTrust } from '../../src/ui/client/trust-bundle.ts'
import { bundleBody, signedList, type IssuerInBundle } from './offline-trust-fixtures.ts'

// How the scan page takes in the trust bundle (client/trust-bundle.ts), as written and as bundled
// for the page: each issuer's list verified with that issuer's keys from the same bundle, a
// refused list leaving the previous good one in place, never an older list, and the age of each
// issuer's data carried across a 304 and a reload.

type PageTrust = typeof source
let page: PageTrust

beforeAll(async () => {
  const built = await build({
    ...UI_BUILD_OPTIONS,
    entryPoints: ['src/ui/client/trust-bundle.ts'],
    globalName: 'pageTrust',
  })
  page = new Function(`${built.outputFiles[0].text}\nreturn pageTrust`)() as PageTrust
})

const HOUR = 3_600_000
const T0 = Date.parse('2026-12-01T00:00:00Z')
const DEVICE = 1_000_000

let own: SigningKeys
let other: SigningKeys
let stranger: SigningKeys
beforeAll(async () => {
  ;[own, other, stranger] = await Promise.all(
    [1, 2, 3].map(async () => loadSigningKeys(JSON.stringify([await generateSigningKey()]))),
  )
})

async function issuers(
  at: number,
  o: {
    ownList?: string | null
    otherList?: string | null
    otherCurrent?: boolean
    otherFetchedAt?: number
  },
): Promise<IssuerInBundle[]> {
  return [
    {
      issuer_code: '330100',
      keys: own,
      status_list: o.ownList === undefined ? await signedList('330100', [], own, at) : o.ownList,
      current: true,
      fetched_at: at,
    },
    {
      issuer_code: '320500',
      keys: other,
      status_list:
        o.otherList === undefined ? await signedList('320500', [], other, at) : o.otherList,
      current: o.otherCurrent ?? true,
      fetched_at: o.otherFetchedAt ?? at,
    },
  ]
}

const entry = (stored: StoredTrust, code: string) =>
  stored.issuers.find((i) => i.issuer_code === code)!

describe.each([
  ['as written', () => source],
  ['as bundled for the page', () => page],
] as const)('the trust bundle on the page %s', (_label, trustBundle) => {
  it('takes each issuer’s list verified with that issuer’s keys and decodes it once', async () => {
    const decoded: DecodedLists = new Map()
    const otherList = await signedList('320500', [7], other, T0, { version: 3 })
    const body = bundleBody(T0, await issuers(T0, { otherList }))
    const stored = await trustBundle().acceptBundle(undefined, body, '"tb-1"', T0, T0, decoded)
    expect(stored).toMatchObject({
      format: 2,
      etag: '"tb-1"',
      issuer_code: '330100',
      synced_at: T0,
    })
    expect(entry(stored, '320500')).toMatchObject({
      status_list: otherList,
      list_version: 3,
      list_in_bundle: true,
      as_of: T0,
      refused: null,
    })
    expect(decoded.get(otherList)?.isInvalid(7)).toBe(true)
    expect(decoded.get(otherList)?.isInvalid(8)).toBe(false)
    expect(decoded.size).toBe(2)
  })

  it.each([
    ['signed with a key not in that issuer’s JWKS', 'unknown_key'],
    ['claiming another issuer', 'wrong_issuer'],
    ['expired', 'expired'],
    ['older than the one kept', 'older_version'],
  ])(
    'refuses a list %s and keeps the previous good one, as old as it was',
    async (_case, problem) => {
      const decoded: DecodedLists = new Map()
      const good = await signedList('320500', [7], other, T0, { version: 5 })
      const first = await trustBundle().acceptBundle(
        undefined,
        bundleBody(T0, await issuers(T0, { otherList: good })),
        '"tb-1"',
        T0,
        T0,
        decoded,
      )
      const later = T0 + 2 * HOUR
      const bad = {
        unknown_key: await signedList('320500', [], stranger, later, { version: 6 }),
        wrong_issuer: await signedList('320500', [], other, later, {
          version: 6,
          claimedIssuer: '330100',
        }),
        expired: await signedList('320500', [], other, later - 80 * HOUR, { version: 6 }),
        older_version: await signedList('320500', [], other, later, { version: 4 }),
      }[problem]!
      const next = await trustBundle().acceptBundle(
        first,
        bundleBody(later, await issuers(later, { otherList: bad })),
        '"tb-2"',
        later,
        later,
        decoded,
      )
      expect(entry(next, '320500')).toMatchObject({
        status_list: good,
        list_version: 5,
        list_in_bundle: false,
        as_of: T0,
        refused: problem,
      })
      // This deployment's own list came in fine and is as fresh as the sync.
      expect(entry(next, '330100')).toMatchObject({ as_of: later, refused: null })
    },
  )

  it('with nothing good ever, leaves the issuer without a list, and its verdicts stale', async () => {
    const decoded: DecodedLists = new Map()
    const forged = await signedList('320500', [], stranger, T0)
    const stored = await trustBundle().acceptBundle(
      undefined,
      bundleBody(T0, await issuers(T0, { otherList: forged })),
      null,
      T0,
      T0,
      decoded,
    )
    expect(entry(stored, '320500')).toMatchObject({ status_list: null, publishes_list: true })
    const material = trustBundle().offlineTrust(
      stored,
      decoded,
      syncTrustClock(undefined, T0, DEVICE),
      DEVICE,
    )
    expect(material.issuers[1]).toMatchObject({ list: null, listMissing: true, freshness: 'stale' })
    expect(material.issuers[0]).toMatchObject({ listMissing: false, freshness: 'fresh' })
  })

  it('an issuer with no list at all is not missing one: its keys are as old as the sync', async () => {
    const decoded: DecodedLists = new Map()
    const stored = await trustBundle().acceptBundle(
      undefined,
      bundleBody(T0, await issuers(T0, { otherList: null })),
      null,
      T0,
      T0,
      decoded,
    )
    const material = trustBundle().offlineTrust(
      stored,
      decoded,
      syncTrustClock(undefined, T0, DEVICE),
      DEVICE + HOUR,
    )
    expect(material.issuers[1]).toMatchObject({
      list: null,
      listMissing: false,
      ageSeconds: 3600,
      freshness: 'fresh',
    })
  })

  it('on a 304 makes current data as fresh as that sync, and leaves the rest as old as it was', async () => {
    const decoded: DecodedLists = new Map()
    const stored = await trustBundle().acceptBundle(
      undefined,
      bundleBody(T0, await issuers(T0, { otherCurrent: false, otherFetchedAt: T0 - 30 * HOUR })),
      '"tb-1"',
      T0,
      T0,
      decoded,
    )
    expect(entry(stored, '320500').as_of).toBe(T0 - 30 * HOUR)
    const later = T0 + 5 * HOUR
    const confirmed = trustBundle().confirmBundle(stored, later)
    expect(confirmed.synced_at).toBe(later)
    expect(entry(confirmed, '330100').as_of).toBe(later)
    expect(entry(confirmed, '320500').as_of).toBe(T0 - 30 * HOUR)
    const clock = syncTrustClock(syncTrustClock(undefined, T0, DEVICE), later, DEVICE + 5 * HOUR)
    const material = trustBundle().offlineTrust(confirmed, decoded, clock, DEVICE + 6 * HOUR)
    expect(material.issuers.map((i) => [i.issuer_code, i.ageSeconds, i.freshness])).toEqual([
      ['330100', 3600, 'fresh'],
      ['320500', 36 * 3600, 'old'],
    ])
  })

  it('after a reload decodes the lists kept, past their exp, and not one altered on the phone', async () => {
    const decoded: DecodedLists = new Map()
    const stored = await trustBundle().acceptBundle(
      undefined,
      bundleBody(T0, await issuers(T0, { otherList: await signedList('320500', [7], other, T0) })),
      '"tb-1"',
      T0,
      T0,
      decoded,
    )
    const kept: StoredTrust = JSON.parse(JSON.stringify(stored))
    const [header, payload, signature] = kept.issuers[0].status_list!.split('.')
    const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`
    kept.issuers[0].status_list = `${header}.${payload}.${flipped}`
    const reloaded: DecodedLists = new Map()
    await trustBundle().decodeKept(kept, reloaded)
    const clock = syncTrustClock(undefined, T0, DEVICE)
    // 100 hours later: past the lists' exp (72 h), still known, and stale.
    const material = trustBundle().offlineTrust(kept, reloaded, clock, DEVICE + 100 * HOUR)
    expect(material.issuers[1]).toMatchObject({ freshness: 'stale', listMissing: false })
    expect(material.issuers[1].list?.isInvalid(7)).toBe(true)
    expect(material.issuers[0]).toMatchObject({ list: null, listMissing: true })
  })

  it('drops decoded lists no longer kept', async () => {
    const decoded: DecodedLists = new Map()
    const first = await trustBundle().acceptBundle(
      undefined,
      bundleBody(T0, await issuers(T0, {})),
      null,
      T0,
      T0,
      decoded,
    )
    const later = T0 + HOUR
    const next = await trustBundle().acceptBundle(
      first,
      bundleBody(
        later,
        await issuers(later, { otherList: await signedList('320500', [1], other, later) }),
      ),
      null,
      later,
      later,
      decoded,
    )
    // Both lists were signed anew: four decoded, two kept.
    expect(decoded.size).toBe(4)
    trustBundle().pruneDecoded(next, decoded)
    expect(decoded.size).toBe(2)
    expect([...decoded.keys()].sort()).toEqual(next.issuers.map((i) => i.status_list).sort())
  })
})
