import { enterpriseBody } from '../../support/reference-data.ts'
import { applicationBody, residentId } from '../../support/fixtures.ts'
import { TRUSTED_ISSUER, type DemoRole, type World } from './world.ts'

/** Who calls: nobody, a demo account, or an enterprise account of another firm (demo-ent-2). */
export type Caller = 'anonymous' | DemoRole | 'other-enterprise'
export const CALLERS: Caller[] = [
  'anonymous',
  'admin',
  'coordinator',
  'enterprise',
  'checkpoint',
  'other-enterprise',
]

export interface AccessRule {
  /** Anyone, signed in or not. */
  public?: true
  /** The roles that may call it (an admin is also a coordinator: both are listed). */
  allowed?: DemoRole[]
  /** The object in the path belongs to an enterprise: the owning firm may, another firm gets 404. */
  owned?: true
  /** Served but not in the OpenAPI document (docs, health). */
  undocumented?: true
  /** Real values for the path parameters. */
  params?: (w: World) => Record<string, string>
  query?: string
  /** A body an allowed caller may send; `n` differs per call so creations do not collide. */
  body?: (w: World, caller: Caller, n: number) => unknown
  /** What an allowed caller may get; default: 200 for GET, any 2xx or 409 (state) otherwise. */
  ok?: number[]
}

const COORDINATORS: DemoRole[] = ['admin', 'coordinator']
const SIGNED_IN: DemoRole[] = ['admin', 'coordinator', 'enterprise', 'checkpoint']
const suffix = (n: number) => String(n).padStart(5, '0').slice(-5)

/**
 * The authorization rule of every operation, from API.md and the route docs. An operation the
 * OpenAPI document lists without an entry here fails the matrix: a new route ships with its rule.
 */
export const ACCESS_RULES: Record<string, AccessRule> = {
  'GET /healthz': { public: true, undocumented: true },
  'GET /api/openapi.json': { public: true, undocumented: true },
  'GET /api/docs': { public: true, undocumented: true },
  'GET /api/v1/openapi.json': { public: true, undocumented: true },
  'GET /api/docs/init.js': { public: true, undocumented: true },
  'GET /api/docs/swagger-ui.css': { public: true, undocumented: true },
  'GET /api/docs/swagger-ui-bundle.js': { public: true, undocumented: true },
  'GET /.well-known/jwks.json': { public: true },
  // The driver's page: no sign-in at all; the signed token is the credential. A token that names
  // no pass is the friendly 404 page for everyone (test/drivers/driver-page.test.ts reads real ones).
  'GET /d/{token}': {
    public: true,
    undocumented: true,
    params: () => ({ token: '330100999999.AAAAAAAAAAAAAAAAAAAAAA' }),
    ok: [404],
  },
  'POST /api/v1/auth/login': {
    public: true,
    body: () => ({ username: 'checkpoint', password: 'tongxing-check' }),
  },

  'GET /api/v1/auth/me': { allowed: SIGNED_IN },
  // A wrong current password: the call passes authorization and changes no demo password.
  'POST /api/v1/auth/password': {
    allowed: SIGNED_IN,
    body: () => ({ current_password: 'not-the-password', new_password: 'matrix-password-2' }),
    ok: [400],
  },
  // Revokes the caller's tokens; test-app's `call` signs in again when told `token_revoked`.
  'POST /api/v1/auth/logout': { allowed: SIGNED_IN },
  'POST /api/v1/accounts': {
    allowed: COORDINATORS,
    body: (_w, caller, n) => ({
      username: `mx-${caller}-${n}`,
      password: 'matrix-password',
      role: 'checkpoint',
      checkpoint_codes: ['HZ-RD-104'],
    }),
  },
  'GET /api/v1/accounts': { allowed: COORDINATORS },
  'POST /api/v1/accounts/{id}/disable': {
    allowed: COORDINATORS,
    params: (w) => ({ id: w.spareAccountId }),
  },
  'POST /api/v1/accounts/{id}/enable': {
    allowed: COORDINATORS,
    params: (w) => ({ id: w.spareAccountId }),
  },
  // The spare checkpoint account: a coordinator may reset it (an admin's or coordinator's it may not).
  'POST /api/v1/accounts/{id}/password': {
    allowed: COORDINATORS,
    params: (w) => ({ id: w.spareAccountId }),
    body: () => ({ password: 'matrix-reset-password' }),
  },

  'GET /api/v1/regions': { allowed: SIGNED_IN, query: '?risk=high' },
  'GET /api/v1/regions/{code}': { allowed: SIGNED_IN, params: () => ({ code: '310115' }) },
  'PUT /api/v1/regions/{code}/risk': {
    allowed: COORDINATORS,
    params: () => ({ code: '330102' }),
    body: (_w, _c, n) => ({ level: n % 2 ? 'medium' : 'high', reason: `matrix ${n}` }),
  },

  'POST /api/v1/stations': {
    allowed: COORDINATORS,
    body: (_w, _c, n) => ({
      code: `MX-ST-${n}`,
      name: '矩阵中转站',
      region_code: '330109',
      address: '测试路 1 号',
      capacity_per_day: 10,
    }),
  },
  'GET /api/v1/stations': { allowed: SIGNED_IN },
  'GET /api/v1/stations/{code}': { allowed: SIGNED_IN, params: () => ({ code: 'HZ-XS-01' }) },
  'PATCH /api/v1/stations/{code}': {
    allowed: COORDINATORS,
    params: () => ({ code: 'HZ-YH-01' }),
    body: (_w, _c, n) => ({
      capacity_per_day: 300 + n,
      address: '杭州市余杭区仁和街道 88 号',
      opening_hours: '06:00-22:00',
    }),
  },

  // The demo checkpoint account works at HZ-TS-XS, the checkpoint of station HZ-XS-01.
  'GET /api/v1/stations/{code}/board': {
    allowed: ['checkpoint', ...COORDINATORS],
    params: () => ({ code: 'HZ-XS-01' }),
  },
  'GET /api/v1/stations/{code}/load': {
    allowed: COORDINATORS,
    params: () => ({ code: 'HZ-XS-01' }),
  },

  'POST /api/v1/checkpoints': {
    allowed: COORDINATORS,
    body: (_w, _c, n) => ({
      code: `MX-CP-${n}`,
      name: '矩阵卡口',
      region_code: '330109',
      kind: 'road',
    }),
  },
  'GET /api/v1/checkpoints': { allowed: SIGNED_IN },
  'GET /api/v1/checkpoints/{code}': { allowed: SIGNED_IN, params: () => ({ code: 'HZ-G60-XS' }) },

  'POST /api/v1/enterprises': {
    allowed: COORDINATORS,
    body: (_w, _c, n) => enterpriseBody(7000 + n),
  },
  'GET /api/v1/enterprises': { allowed: COORDINATORS, query: '?whitelist=active' },
  'GET /api/v1/enterprises/{id}': {
    allowed: [...COORDINATORS, 'enterprise'],
    owned: true,
    params: (w) => ({ id: w.ownEnterprise }),
  },
  'POST /api/v1/enterprises/{id}/whitelist': {
    allowed: COORDINATORS,
    params: () => ({ id: 'demo-ent-3' }),
    body: (_w, _c, n) => ({
      status: 'active',
      level: n % 2 ? 'national' : 'provincial',
      reason: `matrix ${n}`,
    }),
  },
  'GET /api/v1/enterprises/{id}/audit': {
    allowed: COORDINATORS,
    params: (w) => ({ id: w.ownEnterprise }),
  },
  'GET /api/v1/enterprises/{id}/audit.csv': {
    allowed: COORDINATORS,
    params: (w) => ({ id: w.ownEnterprise }),
  },

  'POST /api/v1/applications': {
    allowed: ['enterprise'],
    body: (_w, _c, n) => applicationBody({ plate: `沪E${suffix(n)}` }),
  },
  // The matrix sends no CSV: 415 is the answer past the role check (text/csv: test/applications/bulk).
  'POST /api/v1/applications/bulk': { allowed: ['enterprise'], ok: [415] },
  'GET /api/v1/applications/bulk/template.csv': { allowed: ['enterprise'] },
  'GET /api/v1/applications': { allowed: [...COORDINATORS, 'enterprise'] },
  'GET /api/v1/applications/rejection-reasons': { allowed: SIGNED_IN },
  'GET /api/v1/applications/{id}': {
    allowed: [...COORDINATORS, 'enterprise'],
    owned: true,
    params: (w) => ({ id: w.applications.toRead }),
  },
  'POST /api/v1/applications/{id}/approve': {
    allowed: COORDINATORS,
    params: (w) => ({ id: w.applications.toApprove }),
    body: () => ({ confirm_other_firm: false, note: 'matrix: no other firm holds this plate' }),
  },
  'POST /api/v1/applications/{id}/reject': {
    allowed: COORDINATORS,
    params: (w) => ({ id: w.applications.toReject }),
    body: () => ({ reason_code: 'incomplete_documents', reason: 'matrix: rejected' }),
  },
  'POST /api/v1/applications/{id}/withdraw': {
    allowed: ['enterprise'],
    owned: true,
    params: (w) => ({ id: w.applications.toWithdraw }),
  },

  // A firm's own vehicles: enterprise accounts only (coordinators decide on applications).
  'POST /api/v1/vehicles': {
    allowed: ['enterprise'],
    body: (_w, _c, n) => ({
      plate: `沪F${suffix(n)}`,
      kind: 'van',
      crew: [{ name: '赵六', id_number: residentId(), phone: '13600003333' }],
    }),
    ok: [201],
  },
  'GET /api/v1/vehicles': { allowed: ['enterprise'] },
  'GET /api/v1/vehicles/{id}': {
    allowed: ['enterprise'],
    owned: true,
    params: (w) => ({ id: w.vehicles.toRead }),
  },
  'PUT /api/v1/vehicles/{id}': {
    allowed: ['enterprise'],
    owned: true,
    params: (w) => ({ id: w.vehicles.toRead }),
    body: () => ({ kind: 'refrigerated' }),
    ok: [200],
  },
  'DELETE /api/v1/vehicles/{id}': {
    allowed: ['enterprise'],
    owned: true,
    params: (w) => ({ id: w.vehicles.toDelete }),
    ok: [204],
  },

  'GET /api/v1/passes': { allowed: [...COORDINATORS, 'enterprise'] },
  'GET /api/v1/passes/{number}': {
    allowed: [...COORDINATORS, 'enterprise'],
    owned: true,
    params: (w) => ({ number: w.passA.number }),
  },
  'GET /api/v1/passes/{number}/qr.svg': {
    allowed: [...COORDINATORS, 'enterprise'],
    owned: true,
    params: (w) => ({ number: w.passA.number }),
  },
  'GET /api/v1/passes/{number}/qr.png': {
    allowed: [...COORDINATORS, 'enterprise'],
    owned: true,
    params: (w) => ({ number: w.passA.number }),
    query: '?width=128',
  },
  'POST /api/v1/passes/{number}/revoke': {
    allowed: COORDINATORS,
    params: (w) => ({ number: w.passB.number }),
    body: () => ({ reason: 'matrix: revoked' }),
  },

  // A firm lists the loops of its own passes only (the list test in authorization-matrix.test.ts).
  'GET /api/v1/loops': {
    allowed: ['checkpoint', ...COORDINATORS, 'enterprise'],
    query: '?state=open',
  },
  'POST /api/v1/loops': {
    allowed: ['checkpoint'],
    body: (_w, _c, n) => ({ plate: `浙B${suffix(n)}`, checkpoint_code: 'HZ-G60-XS' }),
  },
  // loopA is demo-ent-1's: another firm gets 404, as for an unknown loop.
  'GET /api/v1/loops/{id}': {
    allowed: ['checkpoint', ...COORDINATORS, 'enterprise'],
    owned: true,
    params: (w) => ({ id: w.loopA }),
  },
  'POST /api/v1/loops/{id}/close': {
    allowed: COORDINATORS,
    params: (w) => ({ id: w.loopC }),
    body: () => ({ note: 'matrix: closed by hand' }),
  },
  'POST /api/v1/loops/{id}/deadline': {
    allowed: COORDINATORS,
    params: (w) => ({ id: w.loopA }),
    body: () => ({ deadline: '2026-11-30T08:00:00+08:00', note: 'matrix: road closed' }),
  },
  'POST /api/v1/events': {
    allowed: ['checkpoint'],
    body: (w) => ({
      events: [
        {
          id: crypto.randomUUID(),
          loop_id: w.loopC,
          kind: 'departed',
          at: '2026-11-29T09:00:00+08:00',
          checkpoint_code: 'HZ-G60-XS',
          data: { note: 'left by G60' },
        },
      ],
    }),
  },
  'GET /api/v1/loops/{id}/receipt': {
    allowed: ['checkpoint', ...COORDINATORS],
    params: (w) => ({ id: w.loopB }),
  },
  'GET /api/v1/loops/{id}/receipt/qr.svg': {
    allowed: ['checkpoint', ...COORDINATORS],
    params: (w) => ({ id: w.loopB }),
  },

  // A firm lists the alerts on its own trucks only (the list test in authorization-matrix.test.ts).
  'GET /api/v1/alerts': { allowed: [...COORDINATORS, 'checkpoint', 'enterprise'] },
  'POST /api/v1/alerts/{id}/acknowledge': {
    allowed: COORDINATORS,
    params: (w) => ({ id: w.alertId }),
    body: () => ({ note: 'matrix: on it' }),
  },
  'POST /api/v1/alerts/{id}/resolve': {
    allowed: COORDINATORS,
    params: (w) => ({ id: w.alertId }),
    body: () => ({ note: 'matrix: handled', outcome: 'handled_off_loop' }),
  },

  'GET /api/v1/audit/log': { allowed: COORDINATORS },
  'GET /api/v1/audit/verify': { allowed: COORDINATORS },
  // Public like the JWKS: other issuers record the signed head; 404 before the first seal.
  'GET /api/v1/audit/head': { public: true, ok: [200, 404] },
  'GET /api/v1/audit/enterprises': { allowed: COORDINATORS },
  // A coordinator's audited look at a crew in full (issue 21): firms and checkpoints get 403.
  'POST /api/v1/personal-data/reveals': {
    allowed: COORDINATORS,
    body: (w) => ({
      record: { kind: 'pass', id: w.passA.number },
      reason: 'authorization matrix: contact tracing',
      purpose: 'contact_tracing',
    }),
    ok: [201],
  },
  'GET /api/v1/personal-data/reveals': { allowed: COORDINATORS },

  'POST /api/v1/arrival-reports': {
    allowed: ['enterprise'],
    // A firm reports only a plate it holds a valid pass for: demo-ent-1's pass A (201); the other
    // firm gets 400 plate_not_yours for it, as for an unknown plate.
    body: (w) => ({
      plate: '沪A12345D',
      pass_number: w.passA.number,
      checkpoint_code: 'HZ-G60-XS',
      expected_from: '2026-11-30T20:00:00+08:00',
      expected_until: '2026-12-01T08:00:00+08:00',
      crew: [{ name: '王五', id_number: residentId('19900505', '222'), phone: '13700002222' }],
    }),
    ok: [201, 400],
  },
  'GET /api/v1/arrival-reports': { allowed: ['checkpoint', ...COORDINATORS, 'enterprise'] },

  // Arrival slots at transfer stations (issue 20): anyone signed in reads the slots; a firm books
  // for its own pass (another firm's pass: 404; pass A already holds the world's booking: 409).
  'GET /api/v1/stations/{code}/slots': {
    allowed: SIGNED_IN,
    params: () => ({ code: 'HZ-XS-01' }),
  },
  'POST /api/v1/stations/{code}/bookings': {
    allowed: ['enterprise'],
    params: () => ({ code: 'HZ-XS-01' }),
    body: (w) => ({ pass_number: w.passA.number, starts_at: '2026-12-02T02:00:00Z' }),
    ok: [201, 404, 409],
  },
  // The demo checkpoint account works at HZ-TS-XS, HZ-XS-01's checkpoint.
  'GET /api/v1/stations/{code}/bookings': {
    allowed: ['checkpoint', ...COORDINATORS],
    params: () => ({ code: 'HZ-XS-01' }),
  },
  'GET /api/v1/bookings': { allowed: ['enterprise'] },
  'PATCH /api/v1/bookings/{id}': {
    allowed: ['enterprise'],
    owned: true,
    params: (w) => ({ id: w.bookingId }),
    body: () => ({ starts_at: '2026-12-02T03:00:00Z' }),
  },
  'POST /api/v1/bookings/{id}/cancel': {
    allowed: ['enterprise'],
    owned: true,
    params: (w) => ({ id: w.bookingId }),
  },

  'GET /api/v1/trust/issuers': { allowed: SIGNED_IN },
  'POST /api/v1/trust/issuers': {
    allowed: ['admin'],
    body: (_w, _c, n) => ({
      issuer_code: String(440300 + (n % 10)),
      name: '深圳市货运专班',
      jwks: {
        keys: [
          {
            kid: `sz${n % 10}`,
            kty: 'OKP',
            crv: 'Ed25519',
            x: Buffer.alloc(32, n).toString('base64url'),
          },
        ],
      },
    }),
  },
  'PATCH /api/v1/trust/issuers/{code}': {
    allowed: ['admin'],
    params: () => ({ code: TRUSTED_ISSUER }),
    body: () => ({ name: '上海市货运专班' }),
    // The document lists DELETE before PATCH, so the world's issuer is gone by now: a 404 is an
    // admin let through to the lookup (everyone else is refused before it).
    ok: [200, 404],
  },
  'DELETE /api/v1/trust/issuers/{code}': {
    allowed: ['admin'],
    params: () => ({ code: TRUSTED_ISSUER }),
  },
  'GET /api/v1/trust/revocations': { allowed: SIGNED_IN },
  'GET /api/v1/trust/status-list': { public: true },
  'GET /api/v1/trust/bundle': { allowed: ['checkpoint', ...COORDINATORS] },

  'POST /api/v1/devices/enrollments': {
    allowed: COORDINATORS,
    body: (_w, caller, n) => ({ checkpoint_codes: ['HZ-G60-XS'], label: `mx-${caller}-${n}` }),
    ok: [201],
  },
  // The code is the credential, not a sign-in: a code never given is 404 for anyone.
  'POST /api/v1/devices': {
    public: true,
    body: () => ({
      code: '2345-6789-ABCD',
      public_key_jwk: {
        kty: 'EC',
        crv: 'P-256',
        x: 'MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4',
        y: '4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM',
      },
    }),
    ok: [404],
  },
  'GET /api/v1/devices': { allowed: COORDINATORS },
  // No device in the world: an allowed caller reaches the lookup (404), the rest are refused before it.
  'GET /api/v1/devices/{id}/activity': {
    allowed: COORDINATORS,
    params: () => ({ id: 'matrix-no-device' }),
    ok: [404],
  },
  'POST /api/v1/devices/{id}/revoke': {
    allowed: COORDINATORS,
    params: () => ({ id: 'matrix-no-device' }),
    body: () => ({ reason: 'matrix' }),
    ok: [404],
  },

  'POST /api/v1/scans': {
    allowed: ['checkpoint'],
    body: (w) => ({ id: crypto.randomUUID(), token: w.passA.token, checkpoint_code: 'HZ-G60-XS' }),
  },

  // Never the real thing, which would end the world for every rule after it: the confirmation
  // is not the typed word, so an admin reaches validation (400) whatever the fuzzer changes.
  'POST /api/v1/admin/decommission': {
    allowed: ['admin'],
    body: () => ({ reason: 'matrix rehearsal of the end', confirm: 'REHEARSAL', dry_run: true }),
    ok: [400],
  },
  // Nothing decommissioned in the world: an admin reaches the lookup (404).
  'GET /api/v1/admin/decommission': { allowed: ['admin'], ok: [404] },

  // A subject's request (issue 21), for an ID number nobody in the world has: nothing erased.
  'POST /api/v1/admin/subjects/export': {
    allowed: ['admin'],
    body: () => ({ id_number: residentId('19600101', '901'), reason: 'matrix: subject request' }),
    ok: [200],
  },
  'POST /api/v1/admin/subjects/erase': {
    allowed: ['admin'],
    body: () => ({ id_number: residentId('19600101', '901'), reason: 'matrix: subject request' }),
    ok: [200],
  },
  // Data-key rotation on Workers: nothing is under another key in the world.
  'POST /api/v1/admin/data-key/reseal': {
    allowed: ['admin'],
    body: () => ({ limit: 100, reason: 'matrix: key rotation' }),
    ok: [200],
  },
}
