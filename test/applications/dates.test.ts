import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { applicationBody } from '../support/fixtures.ts'
import { dateTimeProblem, RealDateTime } from '../../src/applications/real-date-time.ts'
import { validityProblem } from '../../src/applications/rules.ts'

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
})

const apply = (overrides: Record<string, unknown>, app = t) =>
  app.call('POST', '/api/v1/applications', { as: 'enterprise', body: applicationBody(overrides) })

describe('dates and times that name no real moment', () => {
  const impossible: [string, string, RegExp][] = [
    ['valid_from', '2026-02-30T08:00:00+08:00', /not a calendar date/],
    ['valid_until', '2026-11-31T08:00:00+08:00', /not a calendar date/],
    ['valid_until', '2026-12-10T08:00:00+14:59', /not a UTC offset/],
    ['valid_from', '2026-11-30T08:00:00-13:00', /not a UTC offset/],
  ]
  for (const [field, value, reason] of impossible) {
    it(`refuses ${field} ${value} with 400 naming the field and why`, async () => {
      const res = await apply({ [field]: value })
      expect([res.status, res.json.error.code]).toEqual([400, 'invalid_input'])
      expect(res.json.error.details).toEqual([{ field, message: expect.stringMatching(reason) }])
    })
  }

  it('knows the calendar: leap years, month lengths, times of day, offsets', () => {
    expect(dateTimeProblem('2028-02-29T08:00:00+08:00')).toBeNull()
    expect(dateTimeProblem('2000-02-29T08:00:00Z')).toBeNull()
    expect(dateTimeProblem('2100-02-29T08:00:00Z')).toMatch(/28 days/)
    expect(dateTimeProblem('2026-02-29T08:00:00+08:00')).toMatch(/28 days/)
    expect(dateTimeProblem('2026-04-31T08:00:00+08:00')).toMatch(/30 days/)
    expect(dateTimeProblem('2026-12-31T23:59:59.999+14:00')).toBeNull()
    expect(dateTimeProblem('2026-12-31T00:00:00-12:00')).toBeNull()
    expect(dateTimeProblem('2026-13-01T08:00:00+08:00')).toMatch(/not a month/)
    expect(dateTimeProblem('2026-12-00T08:00:00+08:00')).toMatch(/not a calendar date/)
    expect(dateTimeProblem('2026-12-01T24:00:00+08:00')).toMatch(/time of day/)
    expect(dateTimeProblem('2026-12-01T08:60:00+08:00')).toMatch(/time of day/)
    expect(dateTimeProblem('2026-12-01T08:00:00+08:60')).toMatch(/UTC offset/)
    for (const shape of [
      '2026-12-01T08:00:00',
      '2026-12-01 08:00:00+08:00',
      '2026-12-01T08:00+08:00',
      '2026-12-01',
      'tomorrow',
    ]) {
      expect(dateTimeProblem(shape)).toMatch(/ISO 8601/)
    }
  })

  it('is one schema other payloads can reuse', () => {
    expect(RealDateTime.safeParse('2026-02-30T08:00:00+08:00').success).toBe(false)
    expect(RealDateTime.safeParse('2026-03-01T08:00:00+08:00').data).toBe(
      '2026-03-01T08:00:00+08:00',
    )
  })
})

describe('how far ahead a pass may start', () => {
  it(`refuses an application starting more than 30 days ahead, naming valid_from`, async () => {
    // The test clock is 2026-11-29 16:00 China time.
    const far = await apply({
      valid_from: '2026-12-29T16:01:00+08:00',
      valid_until: '2027-01-05T16:00:00+08:00',
    })
    expect([far.status, far.json.error.code, far.json.error.details[0].field]).toEqual([
      400,
      'invalid_validity',
      'valid_from',
    ])
    expect(far.json.error.message).toMatch(/30 days/)
    const edge = await apply({
      plate: '浙L00001',
      valid_from: '2026-12-29T16:00:00+08:00',
      valid_until: '2027-01-05T16:00:00+08:00',
    })
    expect(edge.status).toBe(201)
  })

  it('takes the limit from MAX_APPLICATION_LEAD_DAYS', async () => {
    const strict = await buildTestApp({ config: { MAX_APPLICATION_LEAD_DAYS: '5' } })
    const res = await apply(
      { valid_from: '2026-12-05T08:00:00+08:00', valid_until: '2026-12-10T08:00:00+08:00' },
      strict,
    )
    expect([res.status, res.json.error.details[0].field]).toEqual([400, 'valid_from'])
    expect(
      (
        await apply(
          { valid_from: '2026-12-04T08:00:00+08:00', valid_until: '2026-12-10T08:00:00+08:00' },
          strict,
        )
      ).status,
    ).toBe(201)
  })

  it('is part of the validity rule', () => {
    const now = new Date('2026-11-29T08:00:00Z')
    const from = new Date(now.getTime() + 10 * 86_400_000 + 60_000)
    const until = new Date(from.getTime() + 86_400_000)
    expect(validityProblem(from, until, now, 30, 10)).toEqual({
      field: 'valid_from',
      message: 'must start within 10 days from now',
    })
    expect(validityProblem(new Date(from.getTime() - 60_000), until, now, 30, 10)).toBeNull()
  })
})
