import { beforeAll, describe, expect, it } from 'vitest'
import { build } from 'esbuild'
import { UI_BUILD_OPTIONS, UI_ENTRIES } from '../../scripts/ui-bundle.ts'
import { signPassToken } from '../../src/passes/pass-token.ts'
import type { PassClaims } from '../../src/passes/pass-payload.ts'
import { loadSigningKeys } from '../../src/trust/signing-keys.ts'
import { generateSigningKey } from '../../src/keys/generate.ts'
import * as source from '../../src/ui/client/verify-offline.ts'
import type { OfflineTrust } from '../../src/ui/client/verify-offline.ts'
import { acceptBundle, offlineTrust, type DecodedLists } from '../../src/ui/client/trust-bundle.ts'
import { syncTrustClock } from '../../src/trust/trust-age.ts'
import { bundleBody, signedList } from './offline-trust-fixtures.ts'
import { VERDICT_CASES } from '../scans/verdict-cases.ts'
import { NORMALISE_CASES } from '../vehicles/plate-cases.ts'

// The offline scan page verifies with the server's modules (no copies): these tests bundle the
// page's verify module exactly as scripts/build-ui.ts bundles the page, and run the server's own
// verdict and plate cases against what comes out, and the offline verdicts on a real trust bundle
// (signed status lists of two issuers) against both.

type PageVerify = typeof source

/** Bundles with the page's options; `globalName` only names the IIFE's exports so a test can call them. */
async function bundle(entry: string, globalName?: string) {
  return build({ ...UI_BUILD_OPTIONS, entryPoints: [entry], metafile: true, globalName })
}

let page: PageVerify

beforeAll(async () => {
  const built = await bundle('src/ui/client/verify-offline.ts', 'pageVerify')
  page = new Function(`${built.outputFiles[0].text}\nreturn pageVerify`)() as PageVerify
})

describe('the scan page bundle', () => {
  it('takes the verdict, pass codec, JWS check and plate rules from the server’s modules', async () => {
    const { metafile } = await bundle(UI_ENTRIES.scan)
    const used = Object.entries(Object.values(metafile.outputs)[0].inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path)
    expect(used).toEqual(
      expect.arrayContaining([
        'src/scans/decide-verdict.ts',
        'src/passes/pass-payload.ts',
        'src/passes/pass-token.ts',
        'src/trust/jws.ts',
        'src/vehicles/plate.ts',
        'src/trust/status-list.ts',
        'src/trust/trust-age.ts',
      ]),
    )
  })

  it('pulls in no server-only code', async () => {
    const { metafile } = await bundle(UI_ENTRIES.scan)
    const inputs = Object.keys(metafile.inputs)
    expect(
      inputs.filter((p) => /kysely|hono|zod|better-sqlite3|^node:|^src\/(db|http)\//.test(p)),
    ).toEqual([])
  })
})

describe('the page’s decideVerdict (bundled) answers the server’s cases', () => {
  it.each(VERDICT_CASES)('$name', ({ facts, expected }) => {
    expect(page.decideVerdict(facts)).toMatchObject(expected)
  })
})

describe('the page’s normalisePlate (bundled) answers the server’s cases', () => {
  it.each(NORMALISE_CASES)('%s → %s: %s', (input, expected) => {
    expect(page.normalisePlate(input)).toBe(expected)
  })
})

const claims: PassClaims = {
  number: '330100000042',
  plate: '浙A12345',
  validFrom: new Date('2026-11-29T08:00:00Z'),
  validUntil: new Date('2026-12-29T08:00:00Z'),
  origin: '310115',
  destination: 'HZ-XS-01',
}
const now = new Date('2026-12-01T00:00:00Z')
const HOUR = 3_600_000
/** The phone's own clock reading at the sync: any value, only elapsed device time counts. */
const DEVICE = 5_000_000

/**
 * A trust bundle as the server sends it (own issuer 330100, trusted issuer 320500, each list
 * signed with its issuer's key), taken in as the page takes it, and the material of a verdict
 * made `hoursLater` after the sync.
 */
type SettingArgs = [
  lists?: { own?: number[]; other?: number[] },
  options?: { otherCurrent?: boolean; otherFetchedHoursAgo?: number },
]
const settings = new Map<string, ReturnType<typeof makeSetting>>()
/** Built once per arguments (decoding lists takes ~100 ms each); verdicts do not change them. */
function setting(...args: SettingArgs) {
  const key = JSON.stringify(args)
  let built = settings.get(key)
  if (!built) settings.set(key, (built = makeSetting(...args)))
  return built
}

async function makeSetting(
  lists: { own?: number[]; other?: number[] } = {},
  options: { otherCurrent?: boolean; otherFetchedHoursAgo?: number } = {},
) {
  const own = await loadSigningKeys(JSON.stringify([await generateSigningKey()]))
  const other = await loadSigningKeys(JSON.stringify([await generateSigningKey()]))
  const at = now.getTime()
  const body = bundleBody(at, [
    {
      issuer_code: '330100',
      keys: own,
      status_list: await signedList('330100', lists.own ?? [], own, at),
      current: true,
      fetched_at: at,
    },
    {
      issuer_code: '320500',
      keys: other,
      status_list: await signedList('320500', lists.other ?? [], other, at),
      current: options.otherCurrent ?? true,
      fetched_at: at - (options.otherFetchedHoursAgo ?? 0) * HOUR,
    },
  ])
  const decoded: DecodedLists = new Map()
  const stored = await acceptBundle(undefined, body, '"tb-1"', at, at, decoded)
  const clock = syncTrustClock(undefined, at, DEVICE)
  const trust = (hoursLater = 0): OfflineTrust =>
    offlineTrust(stored, decoded, clock, DEVICE + hoursLater * HOUR)
  const ownPass = (c: Partial<PassClaims> = {}) => signPassToken({ ...claims, ...c }, own.current)
  const otherPass = (c: Partial<PassClaims> = {}) =>
    signPassToken({ ...claims, number: '320500000007', ...c }, other.current)
  return { trust, ownPass, otherPass, own, stored }
}

describe.each([
  ['as written', () => source],
  ['as bundled for the page', () => page],
] as const)('verifyOffline %s', (_label, verify) => {
  it('accepts a valid pass of this deployment and samples it, showing the pass and the data’s age', async () => {
    const { trust, ownPass } = await setting()
    expect(await verify().verifyOffline(await ownPass(), trust(), null, now)).toEqual({
      verdict: 'valid',
      passStatus: 'valid',
      reasons: [],
      action: 'sample_then_release',
      warnings: [],
      pass: {
        number: '330100000042',
        plate: '浙A12345',
        valid_from: '2026-11-29T08:00:00.000Z',
        valid_until: '2026-12-29T08:00:00.000Z',
        origin_region_code: '310115',
        destination_code: 'HZ-XS-01',
      },
      trust: {
        issuer_code: '330100',
        ageSeconds: 0,
        freshness: 'fresh',
        hasList: true,
        listMissing: false,
      },
    })
  })

  it.each([
    '浙Ａ１２３４５',
    '浙Ａ・１２３４５',
    '浙Ａ\u3000１２３４５',
    '浙a-123 45',
    '浙A･12345',
  ])(
    'matches the pass plate typed as %s (full-width forms and separators are no mismatch)',
    async (observed) => {
      const { trust, ownPass } = await setting()
      const answer = await verify().verifyOffline(await ownPass(), trust(), observed, now)
      expect(answer).toMatchObject({ verdict: 'valid', reasons: [] })
    },
  )

  it('flags a plate that differs from the pass', async () => {
    const { trust, ownPass } = await setting()
    const answer = await verify().verifyOffline(await ownPass(), trust(), '浙Ａ１２３４６', now)
    expect(answer).toMatchObject({
      verdict: 'invalid',
      reasons: ['plate_mismatch'],
      action: 'control_on_site',
    })
  })

  it('reads revoked from the pass’s bit in this issuer’s signed list, reasons in the server’s order', async () => {
    const { trust, ownPass } = await setting({ own: [42] })
    const late = new Date('2026-12-29T08:10:00Z')
    expect(await verify().verifyOffline(await ownPass(), trust(), null, now)).toMatchObject({
      verdict: 'invalid',
      passStatus: 'invalid',
      reasons: ['revoked'],
      action: 'control_on_site',
    })
    expect(
      (await verify().verifyOffline(await ownPass(), trust(), '浙B11111', late)).reasons,
    ).toEqual(['expired', 'revoked', 'plate_mismatch'])
    // The bit next to it is another pass.
    expect(
      (await verify().verifyOffline(await ownPass({ number: '330100000043' }), trust(), null, now))
        .reasons,
    ).toEqual([])
  })

  it('reads another issuer’s pass from that issuer’s own list, not from this one’s', async () => {
    const revokedThere = await setting({ other: [7] })
    expect(
      await verify().verifyOffline(await revokedThere.otherPass(), revokedThere.trust(), null, now),
    ).toMatchObject({ verdict: 'invalid', reasons: ['revoked'], trust: { issuer_code: '320500' } })
    const revokedHere = await setting({ own: [7] })
    expect(
      await verify().verifyOffline(await revokedHere.otherPass(), revokedHere.trust(), null, now),
    ).toMatchObject({ verdict: 'valid', reasons: [], pass: { number: '320500000007' } })
  })

  it('warns past the warning age, and past the maximum never releases and says so', async () => {
    const { trust, ownPass } = await setting()
    const token = await ownPass()
    const at = (hours: number) => verify().verifyOffline(token, trust(hours), null, now)
    expect(await at(23)).toMatchObject({ warnings: [], trust: { freshness: 'fresh' } })
    expect(await at(25)).toMatchObject({
      verdict: 'valid',
      action: 'sample_then_release',
      warnings: ['trust_data_old'],
      trust: { freshness: 'old', ageSeconds: 25 * 3600 },
    })
    expect(await at(73)).toMatchObject({
      verdict: 'valid',
      action: 'sample_then_release',
      warnings: ['trust_data_stale'],
      trust: { freshness: 'stale', ageSeconds: 73 * 3600 },
    })
  })

  it('counts another issuer’s data as old as the server’s last fetch of it', async () => {
    const { trust, otherPass, ownPass } = await setting(
      {},
      { otherCurrent: false, otherFetchedHoursAgo: 70 },
    )
    expect(await verify().verifyOffline(await otherPass(), trust(4), null, now)).toMatchObject({
      warnings: ['trust_data_stale'],
      trust: { issuer_code: '320500', ageSeconds: 74 * 3600, freshness: 'stale' },
    })
    // This deployment's own passes stand on its own, current list.
    expect(await verify().verifyOffline(await ownPass(), trust(4), null, now)).toMatchObject({
      warnings: [],
      trust: { issuer_code: '330100', ageSeconds: 4 * 3600 },
    })
  })

  it('allows five minutes of clock skew either side of the window, no more', async () => {
    const { trust, ownPass } = await setting()
    const token = await ownPass()
    const at = async (iso: string) =>
      (await verify().verifyOffline(token, trust(), null, new Date(iso))).reasons
    expect(await at('2026-11-29T07:56:00Z')).toEqual([])
    expect(await at('2026-11-29T07:50:00Z')).toEqual(['not_yet_valid'])
    expect(await at('2026-12-29T08:04:00Z')).toEqual([])
    expect(await at('2026-12-29T08:10:00Z')).toEqual(['expired'])
  })

  it('refuses a token it cannot trust, and shows none of its claims', async () => {
    const { trust, ownPass, otherPass } = await setting()
    const [header, , signature] = (await ownPass()).split('.')
    const edited = `${header}.${(await ownPass({ plate: '浙B99999' })).split('.')[1]}.${signature}`
    const material = trust()
    const untrusted = { ...material, issuers: material.issuers.slice(0, 1) }
    const damagedKey = {
      ...material,
      issuers: material.issuers.map((i) =>
        i.issuer_code === '330100'
          ? { ...i, jwks: { keys: i.jwks.keys.map((k) => ({ ...k, x: 'AAAA' })) } }
          : i,
      ),
    }
    const cases: [string, OfflineTrust, string][] = [
      [edited, material, 'bad_signature'],
      [await otherPass(), untrusted, 'unknown_key'],
      [await ownPass(), damagedKey, 'unknown_key'],
      ['hello', material, 'malformed'],
    ]
    for (const [token, given, problem] of cases) {
      expect(await verify().verifyOffline(token, given, '浙A12345', now)).toEqual({
        verdict: 'invalid',
        passStatus: 'invalid',
        reasons: [problem],
        action: 'control_on_site',
        warnings: [],
        trust: expect.objectContaining({ issuer_code: '330100', freshness: 'fresh' }),
      })
    }
  })

  it('decides a typed number offline only by a set bit in its issuer’s list', async () => {
    const { trust } = await setting({ own: [42], other: [7] })
    expect(verify().listedOffline('330100000042', trust(1))).toEqual({
      status: 'revoked',
      trust: expect.objectContaining({ issuer_code: '330100', ageSeconds: 3600 }),
    })
    expect(verify().listedOffline('320500000007', trust()).status).toBe('revoked')
    expect(verify().listedOffline('330100000007', trust()).status).toBeNull()
    expect(verify().listedOffline('440300000042', trust()).status).toBeNull()
  })
})
