import { describe, expect, it } from 'vitest'
import {
  advanceTrustClock,
  deviceClock,
  resumeTrustClock,
  syncTrustClock,
  trustDataAge,
  trustedNow,
  trustFreshness,
  type TrustClock,
} from '../../src/trust/trust-age.ts'

// The scan page's clock: the server's time at the last sync plus the device's elapsed time, with
// the latest time ever reached kept, so that a phone clock set back makes neither the trust data
// look younger nor an expired pass look valid.

const MIN = 60_000
const HOUR = 60 * MIN
const SERVER = Date.parse('2026-12-01T08:00:00Z')
/** The phone's own clock, wrong by a day on purpose: only its elapsed time may count. */
const DEVICE = Date.parse('2026-11-30T08:00:00Z')
const limits = { warnSeconds: 24 * 3600, maxSeconds: 72 * 3600 }

describe('trustFreshness', () => {
  it('is fresh up to the warning age, old up to the maximum, stale past it', () => {
    expect(trustFreshness(0, limits)).toBe('fresh')
    expect(trustFreshness(24 * 3600, limits)).toBe('fresh')
    expect(trustFreshness(24 * 3600 + 1, limits)).toBe('old')
    expect(trustFreshness(72 * 3600, limits)).toBe('old')
    expect(trustFreshness(72 * 3600 + 1, limits)).toBe('stale')
  })
})

describe('the trust clock', () => {
  it('counts the server’s time at the sync plus the device’s elapsed time, not the device’s time', () => {
    const clock = syncTrustClock(undefined, SERVER, DEVICE)
    expect(trustedNow(clock, DEVICE)).toBe(SERVER)
    expect(trustedNow(clock, DEVICE + 5 * MIN)).toBe(SERVER + 5 * MIN)
    expect(trustDataAge(clock, DEVICE + 3 * MIN)).toBe(180)
  })

  it('adds the server’s own lag for data it had fetched a while before the sync', () => {
    const clock = syncTrustClock(undefined, SERVER, DEVICE)
    expect(trustDataAge(clock, DEVICE + MIN, 600)).toBe(660)
  })

  it('does not let a clock set back after the sync make the data younger or now earlier', () => {
    let clock = syncTrustClock(undefined, SERVER, DEVICE)
    clock = advanceTrustClock(clock, DEVICE + 2 * HOUR)
    const age = trustDataAge(clock, DEVICE + 2 * HOUR)
    expect(age).toBe(7200)
    // Set back three days: now stays at the latest time seen, the age does not shrink.
    const setBack = DEVICE + 2 * HOUR - 72 * HOUR
    expect(trustedNow(clock, setBack)).toBe(SERVER + 2 * HOUR)
    expect(trustDataAge(clock, setBack)).toBe(age)
  })

  it('never goes back across a reload whose device clock is earlier, and goes on from there', () => {
    let clock = syncTrustClock(undefined, SERVER, DEVICE)
    clock = advanceTrustClock(clock, DEVICE + 10 * HOUR)
    const stored: TrustClock = JSON.parse(JSON.stringify(clock))
    // The phone is set back a whole day, then the page is loaded again.
    const reloadedAt = DEVICE + 10 * HOUR - 24 * HOUR
    const resumed = resumeTrustClock(stored, reloadedAt)
    expect(trustedNow(resumed, reloadedAt)).toBe(SERVER + 10 * HOUR)
    // Time goes on at the device's pace from the latest time seen: not frozen for a day.
    expect(trustedNow(resumed, reloadedAt + HOUR)).toBe(SERVER + 11 * HOUR)
    expect(trustDataAge(resumed, reloadedAt + HOUR)).toBe(11 * 3600)
  })

  it('keeps a clock resumed later than it stopped as it is: the data only looks older', () => {
    const clock = advanceTrustClock(syncTrustClock(undefined, SERVER, DEVICE), DEVICE + HOUR)
    expect(resumeTrustClock(clock, DEVICE + 5 * HOUR)).toEqual(clock)
    expect(trustDataAge(resumeTrustClock(clock, DEVICE + 5 * HOUR), DEVICE + 5 * HOUR)).toBe(
      5 * 3600,
    )
  })

  it('a sync never moves now back by a few seconds (records stay in order)', () => {
    const clock = syncTrustClock(undefined, SERVER, DEVICE)
    // The next sync reads a server time a second behind (the Date header's whole seconds).
    const next = syncTrustClock(clock, SERVER + MIN - 1000, DEVICE + MIN)
    expect(trustedNow(next, DEVICE + MIN)).toBe(SERVER + MIN)
  })

  it('a sync puts right a device that ran ahead (set forward before a reload)', () => {
    const ahead = resumeTrustClock(syncTrustClock(undefined, SERVER, DEVICE), DEVICE + 400 * HOUR)
    const stale = advanceTrustClock(ahead, DEVICE + 400 * HOUR)
    expect(trustedNow(stale, DEVICE + 400 * HOUR)).toBe(SERVER + 400 * HOUR)
    // Online again: the server says it is only an hour later.
    const synced = syncTrustClock(stale, SERVER + HOUR, DEVICE + 400 * HOUR)
    expect(trustedNow(synced, DEVICE + 400 * HOUR)).toBe(SERVER + HOUR)
    expect(trustDataAge(synced, DEVICE + 400 * HOUR + MIN)).toBe(60)
  })
})

describe('deviceClock', () => {
  it('follows the monotonic clock and ignores a wall clock set back', () => {
    let state = deviceClock(1000, 1000, 0)
    expect(state.now).toBe(1000)
    state = deviceClock(2000, 2000 - 3 * HOUR, state.lead)
    expect(state.now).toBe(2000)
    state = deviceClock(3000, 3000 - 3 * HOUR, state.lead)
    expect(state.now).toBe(3000)
  })

  it('catches up time the monotonic clock missed while the phone slept, and never goes back', () => {
    let state = deviceClock(1000, 1000, 0)
    // Asleep for an hour: the monotonic clock paused, the wall clock did not.
    state = deviceClock(2000, 2000 + HOUR, state.lead)
    expect(state.now).toBe(2000 + HOUR)
    // The wall clock is then set back: the hour slept still counts.
    state = deviceClock(3000, 3000, state.lead)
    expect(state.now).toBe(3000 + HOUR)
  })
})
