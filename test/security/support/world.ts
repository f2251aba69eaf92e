import { expect } from 'vitest'
import { exportJWK, generateKeyPair } from 'jose'
import type { TestApp } from '../../support/test-app.ts'
import { applicationBody, residentId } from '../../support/fixtures.ts'
import { event, issuePass, scan, sendEvents } from '../../support/flow.ts'

export const ROLES = ['admin', 'coordinator', 'enterprise', 'checkpoint'] as const
export type DemoRole = (typeof ROLES)[number]

/** A foreign issuer (Shanghai) that the world adds to the trust list, so DELETE has a real target. */
export const TRUSTED_ISSUER = '310100'

/**
 * Real objects for path parameters: every id a route can name exists, owned by demo-ent-1 (the
 * demo enterprise account) where a firm owns it. Sign-ins happen first, before any test provokes
 * the login rate limit.
 */
export async function buildWorld(t: TestApp) {
  for (const role of ROLES) await t.tokenFor(role)

  // A second firm's account: bound to demo-ent-2, it owns nothing built below.
  const other = await t.call('POST', '/api/v1/accounts', {
    as: 'admin',
    body: {
      username: 'sec-other-firm',
      password: 'other-firm-password',
      role: 'enterprise',
      enterprise_id: 'demo-ent-2',
    },
  })
  expect(other.status, other.text).toBe(201)
  const otherToken = await t.login('sec-other-firm', 'other-firm-password')
  // An account that routes may disable and enable without locking out a caller of the tests.
  const spare = await t.call('POST', '/api/v1/accounts', {
    as: 'admin',
    body: {
      username: 'sec-spare',
      password: 'spare-password',
      role: 'checkpoint',
      checkpoint_codes: ['HZ-RD-104'],
    },
  })
  expect(spare.status, spare.text).toBe(201)

  // Pass A (demo-ent-1) with a loop opened by a scan, a positive PCR result and so an alert.
  const passA = await issuePass(t, { plate: '沪A12345D' })
  const scanned = await scan(t, { token: passA.token })
  expect(scanned.json?.verdict, scanned.text).toBe('valid')
  const loopA = scanned.json.loop.id as string
  const sent = await sendEvents(t, [
    event(t, loopA, 'sampled', { tube_code: 'SEC-A-1', tests: ['pcr'] }),
    event(t, loopA, 'pcr_result', { result: 'positive' }),
  ])
  expect(sent.status, sent.text).toBe(200)
  const alerts = await t.call('GET', `/api/v1/alerts?loop_id=${loopA}`, { as: 'coordinator' })
  expect(alerts.json.length, alerts.text).toBeGreaterThan(0)
  const alertId = alerts.json[0].id as string

  // Pass B (demo-ent-1): a target for revocation.
  const passB = await issuePass(t, { plate: '沪B54321' })

  // A manual loop with a negative result: it has a receipt.
  const manual = await t.call('POST', '/api/v1/loops', {
    as: 'checkpoint',
    body: { plate: '浙A99999', checkpoint_code: 'HZ-G60-XS' },
  })
  expect(manual.status, manual.text).toBe(201)
  const loopB = manual.json.loop.id as string
  await sendEvents(t, [
    event(t, loopB, 'sampled', { tube_code: 'SEC-B-1', tests: ['pcr'] }),
    event(t, loopB, 'pcr_result', { result: 'negative' }),
  ])
  expect((await t.call('GET', `/api/v1/loops/${loopB}/receipt`, { as: 'checkpoint' })).status).toBe(
    200,
  )
  // Another manual loop, for the routes that close a loop or add events to it.
  const third = await t.call('POST', '/api/v1/loops', {
    as: 'checkpoint',
    body: { plate: '浙A88888', checkpoint_code: 'HZ-G60-XS' },
  })
  expect(third.status, third.text).toBe(201)
  const loopC = third.json.loop.id as string

  // Submitted applications of demo-ent-1, one per deciding route.
  const submit = async (plate: string) => {
    const res = await t.call('POST', '/api/v1/applications', {
      as: 'enterprise',
      body: applicationBody({ plate }),
    })
    expect(res.status, res.text).toBe(201)
    return res.json.id as string
  }
  const applications = {
    toRead: await submit('沪C11111'),
    toApprove: await submit('沪C22222'),
    toReject: await submit('沪C33333'),
    toWithdraw: await submit('沪C44444'),
  }

  // Kept vehicles of demo-ent-1: one to read and change, one to delete.
  const keep = async (plate: string) => {
    const res = await t.call('POST', '/api/v1/vehicles', {
      as: 'enterprise',
      body: {
        plate,
        kind: 'heavy_truck',
        crew: [{ name: '王五', id_number: residentId('19790505', '222'), phone: '13700002222' }],
      },
    })
    expect(res.status, res.text).toBe(201)
    return res.json.id as string
  }
  const vehicles = { toRead: await keep('沪D11111'), toDelete: await keep('沪D22222') }

  // A pre-arrival report of demo-ent-1.
  const now = t.clock().getTime()
  const report = await t.call('POST', '/api/v1/arrival-reports', {
    as: 'enterprise',
    body: {
      plate: '沪A12345D',
      pass_number: passA.number,
      checkpoint_code: 'HZ-G60-XS',
      expected_from: new Date(now + 30 * 3_600_000).toISOString(),
      expected_until: new Date(now + 40 * 3_600_000).toISOString(),
      crew: [{ name: '李四', id_number: residentId('19800101', '111'), phone: '13900001111' }],
    },
  })
  expect(report.status, report.text).toBe(201)

  // A booked arrival slot of pass A at its station (HZ-XS-01 is open around the clock).
  const bookingSlot = new Date(Math.ceil(now / 3_600_000) * 3_600_000 + 26 * 3_600_000)
  const booking = await t.call('POST', '/api/v1/stations/HZ-XS-01/bookings', {
    as: 'enterprise',
    body: { pass_number: passA.number, starts_at: bookingSlot.toISOString() },
  })
  expect(booking.status, booking.text).toBe(201)

  // A trusted foreign issuer.
  const foreign = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
  const jwk = await exportJWK(foreign.publicKey)
  const trusted = await t.call('POST', '/api/v1/trust/issuers', {
    as: 'admin',
    body: {
      issuer_code: TRUSTED_ISSUER,
      name: '上海市货运专班',
      jwks: { keys: [{ kid: 'sh01', kty: 'OKP', crv: 'Ed25519', x: jwk.x }] },
    },
  })
  expect(trusted.status, trusted.text).toBe(201)

  return {
    otherToken,
    spareAccountId: spare.json.id as string,
    otherAccountId: other.json.id as string,
    passA,
    passB,
    loopA,
    loopB,
    loopC,
    alertId,
    applications,
    vehicles,
    reportId: report.json.id as string,
    bookingId: booking.json.id as string,
    ownEnterprise: 'demo-ent-1',
    otherEnterprise: 'demo-ent-2',
  }
}

export type World = Awaited<ReturnType<typeof buildWorld>>
