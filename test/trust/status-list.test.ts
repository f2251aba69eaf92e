import { describe, expect, it } from 'vitest'
import { StatusList } from '@sd-jwt/jwt-status-list'
import { importJWK } from 'jose'
import {
  SERIAL_COUNT,
  decodeStatusList,
  deflateStatusList,
  encodeStatusList,
  serialOf,
  signStatusList,
  verifyStatusList,
  type StatusListClaims,
} from '../../src/trust/status-list.ts'
import { signCompact, type KeyResolver } from '../../src/trust/jws.ts'
import { generateSigningKey } from '../../src/keys/generate.ts'
import { loadSigningKeys } from '../../src/trust/signing-keys.ts'

// draft-ietf-oauth-status-list, section 4.1 (bits = 1): statuses of indices 0…15, their byte
// array (least significant bit first) and the compressed, base64url-encoded `lst`.
const DRAFT_STATUSES = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]
const DRAFT_BYTES = [0xb9, 0xa3]
const DRAFT_LST = 'eNrbuRgAAhcBXQ'

// The same draft, Appendix C.1: a 1-bit list of 2^20 entries with these indices set.
const DRAFT_C1_LST =
  'eNrt3AENwCAMAEGogklACtKQPg9LugC9k_ACvreiogEAAKkeCQAAAAAAAAAAAAAAAAAAAIBylgQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAXG9IAAAAAAAAAPwsJAAAAAAAAAAAAAAAvhsSAAAAAAAAAAAA7KpLAAAAAAAAAAAAAAAAAAAAAJsLCQAAAAAAAAAAADjelAAAAAAAAAAAKjDMAQAAAACAZC8L2AEb'
const DRAFT_C1_SET = [
  0, 1993, 25460, 159495, 495669, 554353, 645645, 723232, 854545, 934534, 1000345,
]

/** The serials a decoded list marks, over its whole range. */
function marked(list: { isInvalid(serial: number): boolean }, size: number): number[] {
  const found: number[] = []
  for (let serial = 0; serial < size; serial++) if (list.isInvalid(serial)) found.push(serial)
  return found
}

/** A seeded generator, so a failure names a set that can be run again. */
function randomSerials(count: number, seed: number): Set<number> {
  let state = seed >>> 0
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state
  }
  const serials = new Set<number>()
  while (serials.size < count) serials.add(next() % SERIAL_COUNT)
  return serials
}

describe('the status list encoding (draft-ietf-oauth-status-list)', () => {
  it('packs the draft’s 16 statuses into its bytes and its `lst`', () => {
    const list = new StatusList([...DRAFT_STATUSES], 1)
    expect(Array.from(list.encodeStatusList())).toEqual(DRAFT_BYTES)
    expect(list.compressStatusList()).toBe(DRAFT_LST)
  })

  it('reads the draft’s `lst` as its 16 statuses', () => {
    const decoded = decodeStatusList({ bits: 1, lst: DRAFT_LST })
    expect(DRAFT_STATUSES.map((_, i) => (decoded.isInvalid(i) ? 1 : 0))).toEqual(DRAFT_STATUSES)
    expect(decoded.isInvalid(16)).toBe(false)
  })

  it('reads the draft’s Appendix C.1 list: exactly its 11 indices of 2^20 are set', () => {
    expect(marked(decodeStatusList({ bits: 1, lst: DRAFT_C1_LST }), 2 ** 20)).toEqual(DRAFT_C1_SET)
  })

  it('writes the draft’s Appendix C.1 list byte for byte at 2^20 entries', () => {
    const statuses = new Array<number>(2 ** 20).fill(0)
    for (const i of DRAFT_C1_SET) statuses[i] = 1
    expect(new StatusList(statuses, 1).compressStatusList()).toBe(DRAFT_C1_LST)
  })

  it('lays out our 10⁶ serials as the draft does: one list of 125,000 bytes', async () => {
    for (const list of [encodeStatusList(DRAFT_C1_SET), await deflateStatusList(DRAFT_C1_SET)]) {
      // The draft's index 1000345 lies beyond our 10⁶ serials and is dropped; the rest are kept.
      expect(marked(decodeStatusList(list), 2 ** 20)).toEqual(
        DRAFT_C1_SET.filter((i) => i < SERIAL_COUNT),
      )
    }
    const raw = StatusList.decompressStatusList((await deflateStatusList([7, 8])).lst, 1)
    expect(raw.statusList.length).toBe(SERIAL_COUNT)
    expect(Array.from(raw.encodeStatusList().slice(0, 3))).toEqual([0x80, 0x01, 0x00])
  })

  it('publishes, before compression, the very bytes the library packs', async () => {
    const set = randomSerials(5_000, 3)
    const ours = StatusList.decompressStatusList((await deflateStatusList(set)).lst, 1)
    const library = StatusList.decompressStatusList(encodeStatusList(set).lst, 1)
    expect(
      Buffer.from(ours.encodeStatusList()).equals(Buffer.from(library.encodeStatusList())),
    ).toBe(true)
  })

  it.each([
    ['1 %', 10_000, 17],
    ['0.1 %', 1_000, 29],
    ['none', 0, 1],
  ])(
    'round-trips a random set (%s of 10⁶) with no false positive or negative at any serial',
    async (_label, count, seed) => {
      const set = randomSerials(count, seed)
      const decoded = decodeStatusList(await deflateStatusList(set))
      const wrong: number[] = []
      for (let serial = 0; serial < SERIAL_COUNT; serial++)
        if (decoded.isInvalid(serial) !== set.has(serial)) wrong.push(serial)
      expect(wrong).toEqual([])
    },
  )

  it('marks the first and the last serial, and nothing outside the range', async () => {
    const given = [0, 999_999, -1, 1_000_000, 2_000_000, 2.5, Number.NaN]
    for (const list of [encodeStatusList(given), await deflateStatusList(given)]) {
      const decoded = decodeStatusList(list)
      expect(marked(decoded, SERIAL_COUNT + 16)).toEqual([0, 999_999])
      expect(decoded.isInvalid(-1)).toBe(false)
      expect(decoded.isInvalid(1.5)).toBe(false)
      expect(decoded.isInvalid(Number.NaN)).toBe(false)
    }
  })

  it('refuses lists of more than one bit per status and `lst` that does not inflate', () => {
    expect(() => decodeStatusList({ bits: 2, lst: 'eNo76fITAAPfAgc' })).toThrow(/2 bits/)
    expect(() => decodeStatusList({ bits: 1, lst: 'bm90IHpsaWI' })).toThrow()
  })
})

describe('serialOf', () => {
  it('is the last six digits of a 12-digit pass number', () => {
    expect(serialOf('330100000042')).toBe(42)
    expect(serialOf('330100000000')).toBe(0)
    expect(serialOf('310100999999')).toBe(999_999)
  })

  it.each(['', '33010000004', '3301000000421', '33010000004a', ' 330100000042', '330100-00042'])(
    'is null for %j',
    (number) => {
      expect(serialOf(number)).toBeNull()
    },
  )
})

describe('verifyStatusList', () => {
  const NOW = Date.parse('2026-11-29T08:00:00Z')
  const iat = NOW / 1000 - 600

  async function setup() {
    const ours = await loadSigningKeys(JSON.stringify([await generateSigningKey()]))
    const theirs = await loadSigningKeys(JSON.stringify([await generateSigningKey()]))
    const publicKeys = new Map([
      ['330100', ours],
      ['310100', theirs],
    ])
    const resolve: KeyResolver = async (issuer, kid) => {
      const key = publicKeys.get(issuer)?.byKid.get(kid)
      return key ? importJWK(key.publicJwk, 'EdDSA') : undefined
    }
    const list = await deflateStatusList([42, 999_999])
    const claims = (over: Partial<StatusListClaims> = {}): StatusListClaims => ({
      issuer_code: '330100',
      sub: 'https://hz.example.cn/api/v1/trust/status-list',
      iat,
      exp: iat + 259_200,
      ttl: 60,
      version: 7,
      status_list: list,
      ...over,
    })
    return { ours, theirs, resolve, claims }
  }

  it('accepts a list signed by the issuer’s key and answers its claims and its bits', async () => {
    const { ours, resolve, claims } = await setup()
    const jwt = await signStatusList(claims(), ours.current)
    const result = await verifyStatusList(jwt, '330100', resolve, NOW)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.claims).toEqual(claims())
    expect(marked(result.list, SERIAL_COUNT)).toEqual([42, 999_999])
  })

  it('refuses another `typ` and none at all (wrong_type)', async () => {
    const { ours, resolve, claims } = await setup()
    const payload = JSON.stringify(claims())
    for (const jwt of [
      await signCompact(payload, ours.current, 'JWT'),
      await signCompact(payload, ours.current),
    ]) {
      expect(await verifyStatusList(jwt, '330100', resolve, NOW)).toEqual({
        ok: false,
        problem: 'wrong_type',
      })
    }
  })

  it('refuses a list signed by another issuer’s key (unknown_key)', async () => {
    const { theirs, resolve, claims } = await setup()
    const jwt = await signStatusList(claims(), theirs.current)
    expect(await verifyStatusList(jwt, '330100', resolve, NOW)).toEqual({
      ok: false,
      problem: 'unknown_key',
    })
  })

  it('refuses a list whose payload was changed after signing (bad_signature)', async () => {
    const { ours, resolve, claims } = await setup()
    const [header, , signature] = (await signStatusList(claims(), ours.current)).split('.')
    // The revocation of serial 42 taken out: the same claims with an empty list.
    const emptied = Buffer.from(
      JSON.stringify(claims({ status_list: await deflateStatusList([999_999]) })),
    ).toString('base64url')
    expect(
      await verifyStatusList(`${header}.${emptied}.${signature}`, '330100', resolve, NOW),
    ).toEqual({ ok: false, problem: 'bad_signature' })
  })

  it('refuses a list that names another issuer than the one whose keys signed it (wrong_issuer)', async () => {
    const { ours, resolve, claims } = await setup()
    const jwt = await signStatusList(claims({ issuer_code: '310100' }), ours.current)
    expect(await verifyStatusList(jwt, '330100', resolve, NOW)).toEqual({
      ok: false,
      problem: 'wrong_issuer',
    })
  })

  it('refuses a list past its `exp` (expired), and takes it up to that second', async () => {
    const { ours, resolve, claims } = await setup()
    const jwt = await signStatusList(claims({ exp: NOW / 1000 - 1 }), ours.current)
    expect(await verifyStatusList(jwt, '330100', resolve, NOW)).toEqual({
      ok: false,
      problem: 'expired',
    })
    const lastSecond = await signStatusList(claims({ exp: NOW / 1000 }), ours.current)
    expect((await verifyStatusList(lastSecond, '330100', resolve, NOW)).ok).toBe(true)
  })

  it('refuses `alg: none` and an HMAC header (bad_signature)', async () => {
    const { ours, resolve, claims } = await setup()
    const payload = Buffer.from(JSON.stringify(claims())).toString('base64url')
    const header = (alg: string) =>
      Buffer.from(JSON.stringify({ alg, kid: ours.current.kid, typ: 'statuslist+jwt' })).toString(
        'base64url',
      )
    const signature = (await signStatusList(claims(), ours.current)).split('.')[2]
    for (const jwt of [
      `${header('none')}.${payload}.`,
      `${header('none')}.${payload}.${signature}`,
      `${header('HS256')}.${payload}.${signature}`,
    ]) {
      expect(await verifyStatusList(jwt, '330100', resolve, NOW)).toEqual({
        ok: false,
        problem: 'bad_signature',
      })
    }
  })

  it('refuses what is not a JWT, or claims that are not a 1-bit list (malformed)', async () => {
    const { ours, resolve, claims } = await setup()
    const bad = await Promise.all([
      Promise.resolve('not a token'),
      signCompact('not json', ours.current, 'statuslist+jwt'),
      signCompact(
        JSON.stringify({ ...claims(), status_list: { bits: 2, lst: 'eNo76fITAAPfAgc' } }),
        ours.current,
        'statuslist+jwt',
      ),
      signCompact(
        JSON.stringify({ ...claims(), status_list: { bits: 1, lst: 'bm90IHpsaWI' } }),
        ours.current,
        'statuslist+jwt',
      ),
    ])
    for (const jwt of bad) {
      expect(await verifyStatusList(jwt, '330100', resolve, NOW)).toEqual({
        ok: false,
        problem: 'malformed',
      })
    }
  })
})
