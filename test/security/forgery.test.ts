import { beforeAll, describe, expect, it } from 'vitest'
import { CompactSign, SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { issuePass } from '../support/flow.ts'
import { encodePassPayload, type PassClaims } from '../../src/passes/pass-payload.ts'
import { signCompact } from '../../src/trust/jws.ts'
import { loadSigningKeys, type SigningKey } from '../../src/trust/signing-keys.ts'
import { isErrorShape } from './support/openapi.ts'

// Forged, edited and misused tokens: pass tokens through POST /api/v1/scans (each refused with its
// reason) and login tokens through the API (each 401). Nothing forged is ever accepted.

const b64url = (data: string | Uint8Array) => Buffer.from(data).toString('base64url')
const fromB64url = (part: string) => Buffer.from(part, 'base64url').toString('utf8')
const jws = (header: unknown, payload: string, signature = '') =>
  `${b64url(JSON.stringify(header))}.${b64url(payload)}.${signature}`
const MINUTE = 60_000

let t: TestApp
let own: SigningKey
let genuine: { number: string; token: string; plate: string }
/** Claims like the genuine pass's, with a number no pass has: only the token is judged. */
let claims: PassClaims
let attacker: { kid: string; privateKey: CryptoKey; publicKey: CryptoKey }

async function hmac(
  alg: string,
  key: Uint8Array,
  header: Record<string, unknown>,
  payload: string,
) {
  return new CompactSign(new TextEncoder().encode(payload))
    .setProtectedHeader({ alg, ...header })
    .sign(key)
}

async function scanToken(token: string, extra: Record<string, unknown> = {}) {
  const id = crypto.randomUUID()
  const res = await t.call('POST', '/api/v1/scans', {
    as: 'checkpoint',
    body: { id, token, checkpoint_code: 'HZ-G60-XS', ...extra },
  })
  return { id, ...res }
}

/** The scan is answered 200 with `invalid`, exactly `reasons`, control on site, no loop opened, and stored. */
async function expectRefused(
  token: string,
  reasons: string[],
  extra: Record<string, unknown> = {},
) {
  // Read through the store, so this runs on Node and on D1 alike.
  const countLoops = async () =>
    (
      await t.store.db
        .selectFrom('loops')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n
  const loopsBefore = await countLoops()
  const res = await scanToken(token, extra)
  expect(res.status, res.text).toBe(200)
  expect(res.json, token.slice(0, 120)).toMatchObject({
    verdict: 'invalid',
    reasons,
    action: 'control_on_site',
  })
  expect(res.json.reasons).toEqual(reasons)
  expect(res.json.loop).toBeUndefined()
  expect(await countLoops()).toBe(loopsBefore)
  const stored = await t.store.db
    .selectFrom('scans')
    .select(['verdict', 'reasons'])
    .where('id', '=', res.id)
    .executeTakeFirst()
  expect(stored).toEqual({ verdict: 'invalid', reasons: JSON.stringify(reasons) })
  return res
}

beforeAll(async () => {
  t = await buildTestApp()
  for (const role of ['admin', 'coordinator', 'enterprise', 'checkpoint'] as const)
    await t.tokenFor(role)
  own = (await loadSigningKeys(t.config.SIGNING_KEYS)).current
  genuine = await issuePass(t)
  const now = t.clock().getTime()
  claims = {
    number: '330100900001',
    plate: '沪A77777',
    validFrom: new Date(now - 60 * MINUTE),
    validUntil: new Date(now + 24 * 60 * MINUTE),
    origin: '310115',
    destination: 'HZ-XS-01',
  }
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
  attacker = { kid: 'evil', ...pair }
})

describe('pass tokens at POST /api/v1/scans', () => {
  it('verifies a token signed with this issuer’s key (the control)', async () => {
    const token = await signCompact(encodePassPayload(claims), own)
    const res = await t.call('POST', '/api/v1/scans', {
      as: 'checkpoint',
      body: { id: crypto.randomUUID(), token, checkpoint_code: 'HZ-DEST-BJ' },
    })
    expect(res.json).toMatchObject({ verdict: 'valid', reasons: [] })
  })

  describe('alg: none', () => {
    const payload = () => encodePassPayload(claims)
    it.each([
      ['none, no signature', () => jws({ alg: 'none', kid: own.kid }, payload())],
      ['None, no signature', () => jws({ alg: 'None', kid: own.kid }, payload())],
      [
        'NONE, a signature copied from a genuine pass',
        () => jws({ alg: 'NONE', kid: own.kid }, payload(), genuine.token.split('.')[2]),
      ],
      ['no alg at all', () => jws({ kid: own.kid }, payload(), genuine.token.split('.')[2])],
      [
        'none on the genuine pass itself',
        () => jws({ alg: 'none', kid: own.kid }, fromB64url(genuine.token.split('.')[1])),
      ],
    ])('refuses %s as bad_signature', async (_name, make) => {
      await expectRefused(make(), ['bad_signature'])
    })
  })

  describe('HMAC signed with the issuer’s public key', () => {
    const variants: [string, () => Promise<Uint8Array>][] = [
      ['the raw 32 key bytes', async () => Buffer.from(own.publicJwk.x, 'base64url')],
      ['the base64url x text', async () => new TextEncoder().encode(own.publicJwk.x)],
      [
        'the published JWK as JSON',
        async () => new TextEncoder().encode(JSON.stringify(own.publicJwk)),
      ],
      [
        'the JWKS document as served',
        async () => new TextEncoder().encode((await t.call('GET', '/.well-known/jwks.json')).text),
      ],
      [
        'the SPKI PEM',
        async () => {
          const { importJWK } = await import('jose')
          const key = (await importJWK(
            { kty: 'OKP', crv: 'Ed25519', x: own.publicJwk.x },
            'EdDSA',
            { extractable: true },
          )) as CryptoKey
          return new TextEncoder().encode(await exportSPKI(key))
        },
      ],
    ]
    it.each(variants)('refuses HS256 keyed with %s as bad_signature', async (_name, key) => {
      await expectRefused(
        await hmac('HS256', await key(), { kid: own.kid }, encodePassPayload(claims)),
        ['bad_signature'],
      )
    })
    it.each(['HS384', 'HS512'])(
      'refuses %s keyed with the raw key bytes as bad_signature',
      async (alg) => {
        await expectRefused(
          await hmac(
            alg,
            Buffer.from(own.publicJwk.x, 'base64url'),
            { kid: own.kid },
            encodePassPayload(claims),
          ),
          ['bad_signature'],
        )
      },
    )
  })

  describe('keys it does not know', () => {
    it('refuses a well-signed token under an unknown kid as unknown_key', async () => {
      await expectRefused(await signCompact(encodePassPayload(claims), attacker), ['unknown_key'])
    })

    it('refuses a token signed by another key under this issuer’s own kid as bad_signature', async () => {
      await expectRefused(
        await signCompact(encodePassPayload(claims), { ...attacker, kid: own.kid }),
        ['bad_signature'],
      )
    })

    it('refuses another issuer not in the trust list as unknown_key, accepts it once trusted, refuses it again once removed', async () => {
      const foreign = { ...claims, number: '320500000001' }
      const token = await signCompact(encodePassPayload(foreign), {
        kid: 'js01',
        privateKey: attacker.privateKey,
      })
      await expectRefused(token, ['unknown_key'])

      const jwk = await exportJWK(attacker.publicKey)
      const added = await t.call('POST', '/api/v1/trust/issuers', {
        as: 'admin',
        body: {
          issuer_code: '320500',
          name: '苏州市货运专班',
          jwks: { keys: [{ kid: 'js01', kty: 'OKP', crv: 'Ed25519', x: jwk.x }] },
        },
      })
      expect(added.status, added.text).toBe(201)
      const trusted = await t.call('POST', '/api/v1/scans', {
        as: 'checkpoint',
        body: { id: crypto.randomUUID(), token, checkpoint_code: 'HZ-DEST-BJ' },
      })
      expect(trusted.json).toMatchObject({ verdict: 'valid', pass: { issuer_code: '320500' } })

      // A trusted issuer still cannot mint this deployment's passes.
      const mintedHere = await signCompact(encodePassPayload(claims), {
        kid: 'js01',
        privateKey: attacker.privateKey,
      })
      await expectRefused(mintedHere, ['unknown_key'])
      await expectRefused(
        await signCompact(encodePassPayload(claims), {
          kid: own.kid,
          privateKey: attacker.privateKey,
        }),
        ['bad_signature'],
      )

      expect((await t.call('DELETE', '/api/v1/trust/issuers/320500', { as: 'admin' })).status).toBe(
        200,
      )
      await expectRefused(token, ['unknown_key'])
    })

    it('refuses a foreign issuer’s token signed with a key the trust list does not hold for it', async () => {
      const other = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
      const jwk = await exportJWK(other.publicKey)
      const added = await t.call('POST', '/api/v1/trust/issuers', {
        as: 'admin',
        body: {
          issuer_code: '320600',
          name: '南通市货运专班',
          jwks: { keys: [{ kid: 'nt01', kty: 'OKP', crv: 'Ed25519', x: jwk.x }] },
        },
      })
      expect(added.status, added.text).toBe(201)
      const foreign = { ...claims, number: '320600000001' }
      await expectRefused(
        await signCompact(encodePassPayload(foreign), {
          kid: 'nt01',
          privateKey: attacker.privateKey,
        }),
        ['bad_signature'],
      )
      await expectRefused(
        await signCompact(encodePassPayload(foreign), {
          kid: 'nt02',
          privateKey: attacker.privateKey,
        }),
        ['unknown_key'],
      )
    })
  })

  describe('injected kid', () => {
    const kids: [string, unknown][] = [
      ['a path', '../../../../etc/passwd'],
      ['a file URL', 'file:///etc/shadow'],
      ['SQL', "x' OR '1'='1"],
      ['SQL with a statement', "'; DROP TABLE passes; --"],
      ['a NUL byte', `${'a'}\u0000b`],
      ['__proto__', '__proto__'],
      ['constructor', 'constructor'],
      ['one character over the limit', 'k'.repeat(65)],
      ['a huge one', 'k'.repeat(2000)],
      ['the real kid with a space', () => `${own.kid} `],
      ['the real kid upper-cased', () => own.kid.toUpperCase() + '!'],
      ['a number', 1],
      ['null', null],
      ['an object', { $ne: null }],
      ['an array', ['kid']],
      ['an empty string', ''],
    ]
    it.each(kids)('refuses %s as unknown_key and keeps serving', async (_name, kid) => {
      const header = { alg: 'EdDSA', kid: typeof kid === 'function' ? kid() : kid }
      const payload = new TextEncoder().encode(encodePassPayload(claims))
      const token = await new CompactSign(payload)
        .setProtectedHeader(header as never)
        .sign(attacker.privateKey)
      expect(token.length).toBeLessThanOrEqual(4096)
      await expectRefused(token, ['unknown_key'])
      expect(
        t.sqlite.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'passes'").pluck().get(),
      ).toBe(1)
      expect((await t.call('GET', '/healthz')).json).toEqual({ status: 'ok' })
    })

    it('answers a token over 4 KB with 400, not a verdict', async () => {
      const token = await new CompactSign(new TextEncoder().encode(encodePassPayload(claims)))
        .setProtectedHeader({ alg: 'EdDSA', kid: 'k'.repeat(5000) })
        .sign(attacker.privateKey)
      const res = await scanToken(token)
      expect(res.status).toBe(400)
      expect(isErrorShape(res.json)).toBe(true)
    })
  })

  describe('an edited genuine pass', () => {
    const edit = (change: (parts: string[]) => void) => {
      const [header, payload, signature] = genuine.token.split('.')
      const fields = fromB64url(payload).split('|')
      change(fields)
      return `${header}.${b64url(fields.join('|'))}.${signature}`
    }
    it.each([
      ['another plate', (f: string[]) => void (f[2] = '沪A99999D')],
      [
        'a later end of validity',
        (f: string[]) => void (f[4] = String(Number(f[4]) + 30 * 24 * 60)),
      ],
      [
        'an earlier start of validity',
        (f: string[]) => void (f[3] = String(Number(f[3]) - 24 * 60)),
      ],
      ['another pass number of this issuer', (f: string[]) => void (f[1] = '330100000099')],
      ['another origin', (f: string[]) => void (f[5] = '330106')],
      ['another destination', (f: string[]) => void (f[6] = 'HZ-YH-01')],
    ])('refuses %s as bad_signature', async (_name, change) => {
      await expectRefused(edit(change), ['bad_signature'])
    })

    it('refuses an edited header (extra member) as bad_signature', async () => {
      const [, payload, signature] = genuine.token.split('.')
      await expectRefused(
        `${b64url(JSON.stringify({ alg: 'EdDSA', kid: own.kid, x: 1 }))}.${payload}.${signature}`,
        ['bad_signature'],
      )
    })

    it('refuses another pass’s signature on this payload as bad_signature', async () => {
      const other = await signCompact(encodePassPayload(claims), own)
      const [header, payload] = genuine.token.split('.')
      await expectRefused(`${header}.${payload}.${other.split('.')[2]}`, ['bad_signature'])
    })

    it('refuses a stripped signature as bad_signature and a payload that is no pass as malformed', async () => {
      const [header, payload] = genuine.token.split('.')
      await expectRefused(`${header}.${payload}.`, ['bad_signature'])
      await expectRefused(`${header}.${b64url('P1|hello')}.${genuine.token.split('.')[2]}`, [
        'malformed',
      ])
      await expectRefused(`${header}.${payload}`, ['malformed'])
      await expectRefused(`${genuine.token}.x`, ['malformed'])
    })
  })

  describe('expired and not yet valid', () => {
    it('refuses a genuinely signed token whose window ended as expired', async () => {
      const now = t.clock().getTime()
      const token = await signCompact(
        encodePassPayload({
          ...claims,
          validFrom: new Date(now - 3 * 24 * 60 * MINUTE),
          validUntil: new Date(now - 10 * MINUTE),
        }),
        own,
      )
      await expectRefused(token, ['expired'])
    })

    it('refuses one whose window has not begun as not_yet_valid', async () => {
      const now = t.clock().getTime()
      const token = await signCompact(
        encodePassPayload({
          ...claims,
          validFrom: new Date(now + 60 * MINUTE),
          validUntil: new Date(now + 24 * 60 * MINUTE),
        }),
        own,
      )
      await expectRefused(token, ['not_yet_valid'])
    })

    it('refuses the genuine pass once its validity has passed (clock moved past valid_until)', async () => {
      const start = t.clock().toISOString()
      const pass = (await t.call('GET', `/api/v1/passes/${genuine.number}`, { as: 'coordinator' }))
        .json
      t.clock.set(new Date(Date.parse(pass.valid_until) + 10 * MINUTE).toISOString())
      t.forgetTokens()
      try {
        await expectRefused(genuine.token, ['expired'])
      } finally {
        t.clock.set(start)
        t.forgetTokens()
      }
    })
  })

  describe('other tokens offered as a pass', () => {
    it('refuses a login token, a receipt-like token and the revocation list as malformed', async () => {
      await expectRefused(await t.tokenFor('checkpoint'), ['malformed'])
      const revocations = (await t.call('GET', '/api/v1/trust/revocations', { as: 'checkpoint' }))
        .json.token as string
      await expectRefused(revocations, ['malformed'])
      await expectRefused(await signCompact('R1|330100|沪A77777|-|pcr|1|1|1', own), ['malformed'])
    })
  })
})

describe('login tokens', () => {
  const secret = () => new TextEncoder().encode(t.config.TOKEN_SECRET)
  const accountId = (username: string) =>
    t.sqlite.prepare('SELECT id FROM accounts WHERE username = ?').pluck().get(username) as string
  const now = () => Math.floor(t.clock().getTime() / 1000)

  /** Signs a login-shaped JWT; defaults match the real ones. */
  async function mint(
    options: {
      key?: Uint8Array
      sub?: string | null
      role?: string
      aud?: string
      iss?: string
      exp?: number
      alg?: string
    } = {},
  ) {
    const jwt = new SignJWT({ role: options.role ?? 'admin' })
      .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
      .setIssuer(options.iss ?? 'tongxing')
      .setAudience(options.aud ?? 'tongxing:api')
      .setIssuedAt(now())
      .setExpirationTime(options.exp ?? now() + 3600)
    if (options.sub !== null) jwt.setSubject(options.sub ?? accountId('admin'))
    return jwt.sign(options.key ?? secret())
  }

  async function expect401(token: string, code = 'invalid_token') {
    for (const [method, path] of [
      ['GET', '/api/v1/auth/me'],
      ['GET', '/api/v1/accounts'],
      ['POST', '/api/v1/stations'],
    ]) {
      const res = await t.call(method, path, {
        as: { token },
        body:
          method === 'POST'
            ? {
                code: 'FORGED-ST',
                name: '伪造',
                region_code: '330109',
                address: '伪造路 1 号',
                capacity_per_day: 1,
              }
            : undefined,
      })
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(401)
      expect(res.json).toEqual({ error: { code, message: expect.any(String) } })
    }
    expect(
      t.sqlite.prepare("SELECT count(*) FROM stations WHERE code = 'FORGED-ST'").pluck().get(),
    ).toBe(0)
  }

  it('accepts a token made with the real secret (the control)', async () => {
    expect(
      (await t.call('GET', '/api/v1/auth/me', { as: { token: await mint() } })).json.username,
    ).toBe('admin')
  })

  it('refuses alg: none', async () => {
    const payload = JSON.stringify({
      role: 'admin',
      sub: accountId('admin'),
      iss: 'tongxing',
      aud: 'tongxing:api',
      iat: now(),
      exp: now() + 3600,
    })
    await expect401(jws({ alg: 'none', typ: 'JWT' }, payload))
    await expect401(
      jws({ alg: 'none', typ: 'JWT' }, payload, (await t.tokenFor('admin')).split('.')[2]),
    )
    await expect401(`${b64url(JSON.stringify({ alg: 'none' }))}.${b64url(payload)}`)
  })

  it('refuses HS256 with a wrong secret', async () => {
    await expect401(await mint({ key: new TextEncoder().encode('x'.repeat(48)) }))
    await expect401(
      await mint({ key: new TextEncoder().encode(t.config.TOKEN_SECRET.slice(0, -1)) }),
    )
    await expect401(await mint({ key: Buffer.from(own.publicJwk.x, 'base64url') }))
  })

  it('refuses an edited payload (role changed to admin, subject changed to the admin)', async () => {
    const [header, payload, signature] = (await t.tokenFor('enterprise')).split('.')
    const claims = JSON.parse(fromB64url(payload))
    await expect401(
      `${header}.${b64url(JSON.stringify({ ...claims, role: 'admin' }))}.${signature}`,
    )
    await expect401(
      `${header}.${b64url(JSON.stringify({ ...claims, role: 'admin', sub: accountId('admin') }))}.${signature}`,
    )
    await expect401(
      `${header}.${b64url(JSON.stringify({ ...claims, exp: claims.exp + 86400 }))}.${signature}`,
    )
  })

  it('takes the role from the account, not from the token', async () => {
    const token = await mint({ sub: accountId('enterprise'), role: 'admin' })
    const res = await t.call('GET', '/api/v1/accounts', { as: { token } })
    expect(res.status).toBe(403)
  })

  it('refuses an expired token as token_expired, and one past its sign-in lifetime', async () => {
    await expect401(await mint({ exp: now() - 60 }), 'token_expired')
    const token = await t.login('coordinator', 'tongxing-coord')
    const start = t.clock().toISOString()
    t.clock.advance((t.config.LOGIN_TOKEN_TTL_SECONDS + 60) * 1000)
    try {
      await expect401(token, 'token_expired')
    } finally {
      t.clock.set(start)
    }
  })

  it('refuses a token for another audience or issuer, or without a subject', async () => {
    await expect401(await mint({ aud: 'tongxing:pass' }))
    await expect401(await mint({ iss: 'someone-else' }))
    await expect401(await mint({ sub: null }))
    await expect401(await mint({ sub: 'no-such-account' }))
  })

  it('refuses a pass token, a receipt-like token and a token signed with the pass key', async () => {
    await expect401(genuine.token)
    await expect401(await signCompact('R1|330100|沪A77777|-|pcr|1|1|1', own))
    const edKeyed = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'EdDSA', kid: own.kid })
      .setSubject(accountId('admin'))
      .setIssuer('tongxing')
      .setAudience('tongxing:api')
      .setExpirationTime(now() + 3600)
      .sign(own.privateKey)
    await expect401(edKeyed)
  })

  it('refuses the token of a deleted account and of a disabled one', async () => {
    for (const username of ['sec-deleted', 'sec-disabled']) {
      const made = await t.call('POST', '/api/v1/accounts', {
        as: 'admin',
        body: {
          username,
          password: 'short-lived-1',
          role: 'checkpoint',
          checkpoint_codes: ['HZ-RD-104'],
        },
      })
      expect(made.status, made.text).toBe(201)
    }
    const deleted = await t.login('sec-deleted', 'short-lived-1')
    const disabled = await t.login('sec-disabled', 'short-lived-1')
    expect((await t.call('GET', '/api/v1/auth/me', { as: { token: deleted } })).status).toBe(200)

    t.sqlite.prepare("DELETE FROM accounts WHERE username = 'sec-deleted'").run()
    await expect401(deleted)

    const id = accountId('sec-disabled')
    expect((await t.call('POST', `/api/v1/accounts/${id}/disable`, { as: 'admin' })).status).toBe(
      200,
    )
    await expect401(disabled, 'account_disabled')
    const again = await t.call('POST', '/api/v1/auth/login', {
      body: { username: 'sec-disabled', password: 'short-lived-1' },
    })
    expect(again.status).toBe(401)
    expect(again.json.error.code).not.toBe(undefined)
    expect(again.json.token).toBeUndefined()
  })

  it('refuses tokens outside the Authorization header or with another scheme', async () => {
    const token = await t.tokenFor('admin')
    expect((await t.call('GET', `/api/v1/auth/me?token=${token}`)).status).toBe(401)
    expect((await t.call('GET', `/api/v1/auth/me?access_token=${token}`)).status).toBe(401)
    expect(
      (await t.call('GET', '/api/v1/auth/me', { headers: { authorization: `Basic ${token}` } }))
        .status,
    ).toBe(401)
    expect(
      (await t.call('GET', '/api/v1/auth/me', { headers: { authorization: `Bearer ${token}.` } }))
        .status,
    ).toBe(401)
    expect(
      (
        await t.call('GET', '/api/v1/auth/me', {
          headers: {
            cookie: `tx_session=${await mint({ key: new TextEncoder().encode('y'.repeat(40)) })}`,
          },
        })
      ).status,
    ).toBe(401)
  })
})
