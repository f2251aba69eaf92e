import { describe, expect, it } from 'vitest'
import { driverNextStep, negativeLeft, type DriverFacts } from '../../src/drivers/next-step.ts'

const NOW = new Date('2026-12-03T08:00:00.000Z') // 16:00 China time
const HOUR = 3_600_000
const at = (hours: number) => new Date(NOW.getTime() + hours * HOUR).toISOString()

const activePass: DriverFacts['pass'] = { status: 'active', validFrom: at(-1) }
type Loop = NonNullable<DriverFacts['loop']>
const loop = (over: Partial<Loop>): Loop => ({
  state: 'arrived',
  result: null,
  releaseDeadline: null,
  destinationArrivedAt: null,
  negativeSince: null,
  ...over,
})
const step = (facts: Partial<DriverFacts>) =>
  driverNextStep({ pass: activePass, loop: null, ...facts }, NOW)

describe('the driver’s next step', () => {
  it('says a revoked, superseded or expired pass is over, whatever the loop', () => {
    const open = loop({ state: 'released', result: 'pending', releaseDeadline: at(2) })
    for (const status of ['revoked', 'superseded', 'expired'] as const)
      expect(step({ pass: { status, validFrom: at(-1) }, loop: open })).toEqual({
        step: `pass_${status}`,
      })
  })

  it('before any scan: go to the checkpoint (or wait until the pass starts)', () => {
    expect(step({})).toEqual({ step: 'go_to_checkpoint' })
    expect(step({ pass: { status: 'active', validFrom: at(3) } })).toEqual({
      step: 'pass_not_yet_valid',
      deadline: at(3),
    })
  })

  it('scanned, not sampled: follow the checkpoint staff', () => {
    expect(step({ loop: loop({ state: 'arrived' }) })).toEqual({ step: 'at_checkpoint' })
  })

  it('sampled, not released: wait to be let go', () => {
    expect(step({ loop: loop({ state: 'sampled', result: 'pending' }) })).toEqual({
      step: 'await_release',
    })
  })

  it('released towards a station with a deadline: reach it before the deadline', () => {
    expect(
      step({ loop: loop({ state: 'released', result: 'pending', releaseDeadline: at(2) }) }),
    ).toEqual({ step: 'reach_destination', deadline: at(2) })
  })

  it('past the deadline and not there: overdue, go now (from the deadline’s minute on)', () => {
    expect(
      step({ loop: loop({ state: 'released', result: 'pending', releaseDeadline: at(0) }) }),
    ).toEqual({ step: 'destination_overdue', deadline: at(0) })
    expect(
      step({ loop: loop({ state: 'released', result: 'pending', releaseDeadline: at(-1) }) }),
    ).toEqual({ step: 'destination_overdue', deadline: at(-1) })
  })

  it('released without a deadline: keep to the route', () => {
    expect(step({ loop: loop({ state: 'released', result: 'pending' }) })).toEqual({
      step: 'keep_route',
    })
  })

  it('at the destination: hand over as the staff say', () => {
    const arrived = loop({
      state: 'at_destination',
      result: 'pending',
      releaseDeadline: at(-1),
      destinationArrivedAt: at(-2),
    })
    expect(step({ loop: arrived })).toEqual({ step: 'at_destination' })
  })

  it('a positive result: stop and stay in the cab, in every open state, with no negative shown', () => {
    for (const state of ['arrived', 'sampled', 'released', 'at_destination'] as const)
      expect(
        step({
          loop: loop({ state, result: 'positive', releaseDeadline: at(2), negativeSince: at(-3) }),
        }),
        state,
      ).toEqual({ step: 'stay_in_cab' })
  })

  it('a closed loop: the trip is done (with the negative’s time left)', () => {
    expect(step({ loop: loop({ state: 'closed', result: 'negative' }) })).toEqual({
      step: 'trip_done',
    })
    expect(
      step({ loop: loop({ state: 'closed', result: 'negative', negativeSince: at(-17) }) }),
    ).toEqual({ step: 'trip_done', negative: { over: false, until: at(31), hours: 31 } })
  })

  it('a negative result travels with every step but a positive one', () => {
    const negative = { negativeSince: at(-10), result: 'negative' as const }
    expect(
      step({ loop: loop({ state: 'released', releaseDeadline: at(2), ...negative }) }),
    ).toEqual({
      step: 'reach_destination',
      deadline: at(2),
      negative: { over: false, until: at(38), hours: 38 },
    })
    expect(step({ loop: loop({ state: 'sampled', ...negative }) }).negative?.over).toBe(false)
  })
})

describe('time left on the last negative test', () => {
  it('counts whole hours from its sampling to 48 h', () => {
    expect(negativeLeft(at(-17), NOW)).toEqual({ over: false, until: at(31), hours: 31 })
    expect(negativeLeft(at(-17.5), NOW)).toEqual({ over: false, until: at(30.5), hours: 30 })
    expect(negativeLeft(at(-47.99), NOW)).toMatchObject({ over: false, hours: 0 })
  })

  it('is over at exactly 48 h and after', () => {
    expect(negativeLeft(at(-48), NOW)).toEqual({ over: true })
    expect(negativeLeft(at(-60), NOW)).toEqual({ over: true })
    expect(negativeLeft(new Date(NOW.getTime() - 48 * HOUR + 1).toISOString(), NOW)).toEqual({
      over: false,
      until: new Date(NOW.getTime() + 1).toISOString(),
      hours: 0,
    })
  })
})
