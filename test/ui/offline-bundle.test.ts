import { beforeAll, describe, expect, it } from 'vitest'
import { build } from 'esbuild'
import { UI_BUILD_OPTIONS, UI_ENTRIES } from '../../scripts/ui-bundle.ts'
import { signPassToken } from '../../src/passes/pass-token.ts'
import type { PassClaims } from '../../src/passes/pass-payload.ts'
import { loadSigningKeys } from '../../src/trust/signing-keys.ts'
import { generateSigningKey } from '../../src/keys/generate.ts'
import * as source from '../../src/ui/client/verify-offline.ts'
import type { TrustMaterial } from '../../src/ui/client/verify-offline.ts'
import { VERDICT_CASES } from '../scans/verdict-cases.ts'
import { NORMALISE_CASES } from '../vehicles/plate-cases.ts'

// The offline scan page verifies with the server's modules (no copies): these tests bundle the
// page's verify module exactly as scripts/build-ui.ts bundles the page, and run the server's own
// verdict and plate cases against what comes out.

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

async function setting() {
  const own = await loadSigningKeys(JSON.stringify([await generateSigningKey()]))
  const other = await loadSigningKeys(JSON.stringify([await generateSigningKey()]))
  const trust: TrustMaterial = {
    issuer: '330100',
    jwks: { keys: own.all.map((k) => k.publicJwk) },
    issuers: [{ issuer_code: '320500', jwks: { keys: other.all.map((k) => k.publicJwk) } }],
    revocations: { version: 3, revoked: [], superseded: [], generated_at: now.toISOString() },
  }
  const ownPass = (c: Partial<PassClaims> = {}) => signPassToken({ ...claims, ...c }, own.current)
  const otherPass = (c: Partial<PassClaims> = {}) =>
    signPassToken({ ...claims, number: '320500000007', ...c }, other.current)
  return { trust, ownPass, otherPass, own }
}

describe.each([
  ['as written', () => source],
  ['as bundled for the page', () => page],
] as const)('verifyOffline %s', (_label, verify) => {
  it('accepts a valid pass of this deployment and samples it, showing the pass', async () => {
    const { trust, ownPass } = await setting()
    expect(await verify().verifyOffline(await ownPass(), trust, null, now)).toEqual({
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
      const answer = await verify().verifyOffline(await ownPass(), trust, observed, now)
      expect(answer).toMatchObject({ verdict: 'valid', reasons: [] })
    },
  )

  it('flags a plate that differs from the pass', async () => {
    const { trust, ownPass } = await setting()
    const answer = await verify().verifyOffline(await ownPass(), trust, '浙Ａ１２３４６', now)
    expect(answer).toMatchObject({
      verdict: 'invalid',
      reasons: ['plate_mismatch'],
      action: 'control_on_site',
    })
  })

  it('takes revoked and superseded from this issuer’s signed list, reasons in the server’s order', async () => {
    const { trust, ownPass } = await setting()
    const revoked = { ...trust, revocations: { ...trust.revocations, revoked: [claims.number] } }
    const superseded = {
      ...trust,
      revocations: { ...trust.revocations, superseded: [claims.number] },
    }
    const late = new Date('2026-12-29T08:10:00Z')
    expect((await verify().verifyOffline(await ownPass(), superseded, null, now)).reasons).toEqual([
      'superseded',
    ])
    expect(
      (await verify().verifyOffline(await ownPass(), revoked, '浙B11111', late)).reasons,
    ).toEqual(['expired', 'revoked', 'plate_mismatch'])
  })

  it('accepts a trusted issuer’s pass, whose number on this issuer’s list means nothing', async () => {
    const { trust, otherPass } = await setting()
    const listed = { ...trust, revocations: { ...trust.revocations, revoked: ['320500000007'] } }
    expect(await verify().verifyOffline(await otherPass(), listed, '浙A12345', now)).toMatchObject({
      verdict: 'valid',
      reasons: [],
      pass: { number: '320500000007' },
    })
  })

  it('allows five minutes of clock skew either side of the window, no more', async () => {
    const { trust, ownPass } = await setting()
    const token = await ownPass()
    const at = async (iso: string) =>
      (await verify().verifyOffline(token, trust, null, new Date(iso))).reasons
    expect(await at('2026-11-29T07:56:00Z')).toEqual([])
    expect(await at('2026-11-29T07:50:00Z')).toEqual(['not_yet_valid'])
    expect(await at('2026-12-29T08:04:00Z')).toEqual([])
    expect(await at('2026-12-29T08:10:00Z')).toEqual(['expired'])
  })

  it('refuses a token it cannot trust, and shows none of its claims', async () => {
    const { trust, ownPass, otherPass } = await setting()
    const [header, , signature] = (await ownPass()).split('.')
    const edited = `${header}.${(await ownPass({ plate: '浙B99999' })).split('.')[1]}.${signature}`
    const untrusted = { ...trust, issuers: [] }
    const damagedKey = {
      ...trust,
      jwks: { keys: trust.jwks.keys.map((k) => ({ ...k, x: 'AAAA' })) },
    }
    const cases: [string, TrustMaterial, string][] = [
      [edited, trust, 'bad_signature'],
      [await otherPass(), untrusted, 'unknown_key'],
      [await ownPass(), damagedKey, 'unknown_key'],
      ['hello', trust, 'malformed'],
    ]
    for (const [token, material, problem] of cases) {
      expect(await verify().verifyOffline(token, material, '浙A12345', now)).toEqual({
        verdict: 'invalid',
        passStatus: 'invalid',
        reasons: [problem],
        action: 'control_on_site',
        warnings: [],
      })
    }
  })
})
