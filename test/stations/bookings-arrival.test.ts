import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { residentId } from '../support/fixtures.ts'
import { issuePass, otherFirmWithPass } from '../support/flow.ts'

/** A pre-arrival report may name the firm's slot booking for the same vehicle (issue 20). */
describe('a pre-arrival report naming a booking', () => {
  let t: TestApp
  const report = (
    plate: string,
    pass_number: string,
    booking_id?: string,
    as?: { token: string },
  ) =>
    t.call('POST', '/api/v1/arrival-reports', {
      as: as ?? 'enterprise',
      body: {
        plate,
        pass_number,
        checkpoint_code: 'HZ-G60-XS',
        expected_from: '2026-11-30T08:00:00+08:00',
        expected_until: '2026-11-30T12:00:00+08:00',
        crew: [{ name: '张三', id_number: residentId(), phone: '13812345678' }],
        ...(booking_id ? { booking_id } : {}),
      },
    })
  const book = (pass_number: string, starts_at: string, as: 'enterprise' | { token: string }) =>
    t.call('POST', '/api/v1/stations/HZ-XS-01/bookings', { as, body: { pass_number, starts_at } })

  beforeAll(async () => {
    t = await buildTestApp()
  })

  it('keeps the firm’s own live booking for the vehicle, and refuses any other', async () => {
    const pass = await issuePass(t, { plate: '沪E10001' })
    const booking = await book(pass.number, '2026-11-30T05:00:00Z', 'enterprise')
    expect(booking.status, booking.text).toBe(201)
    const filed = await report(pass.plate, pass.number, booking.json.id)
    expect(filed.status, filed.text).toBe(201)
    expect(filed.json.booking_id).toBe(booking.json.id)
    const listed = await t.call('GET', '/api/v1/arrival-reports', { as: 'enterprise' })
    expect(listed.json.find((r: { id: string }) => r.id === filed.json.id).booking_id).toBe(
      booking.json.id,
    )
    expect((await report(pass.plate, pass.number)).json.booking_id).toBeNull()

    // Another vehicle's booking of the same firm.
    const second = await issuePass(t, { plate: '沪E10002' })
    const wrongPlate = await report(second.plate, second.number, booking.json.id)
    expect(wrongPlate.status).toBe(400)
    expect(wrongPlate.json.error.code).toBe('unknown_booking')
    // Another firm's booking.
    const other = await otherFirmWithPass(t, 'arrival-booking-other', '苏E90011')
    const theirs = await book(other.pass.number, '2026-11-30T05:00:00Z', { token: other.token })
    expect(theirs.status, theirs.text).toBe(201)
    const notOurs = await report(pass.plate, pass.number, theirs.json.id)
    expect(notOurs.json.error.code).toBe('unknown_booking')
    // A cancelled booking.
    await t.call('POST', `/api/v1/bookings/${booking.json.id}/cancel`, { as: 'enterprise' })
    const cancelled = await report(pass.plate, pass.number, booking.json.id)
    expect(cancelled.json.error.code).toBe('unknown_booking')
  })
})
