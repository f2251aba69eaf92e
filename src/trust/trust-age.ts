/**
 * How old trust data (keys and revocation lists) may be before a verdict made on it warns, and
 * before it is stale. One rule for the server's verdict on another issuer's pass and the scan
 * page's offline verdict (both feed it to scans/decide-verdict.ts). Pure: the page bundles it.
 */
export interface TrustAgeLimits {
  /** Past this the verdict carries a visible warning (TRUST_WARN_AGE, default 24 h). */
  warnSeconds: number
  /** Past this the data is stale: warning `trust_data_stale`, never `release` (TRUST_MAX_AGE, 72 h). */
  maxSeconds: number
}

export type TrustFreshness = 'fresh' | 'old' | 'stale'

export function trustFreshness(ageSeconds: number, limits: TrustAgeLimits): TrustFreshness {
  if (ageSeconds > limits.maxSeconds) return 'stale'
  if (ageSeconds > limits.warnSeconds) return 'old'
  return 'fresh'
}

/**
 * A device's notion of the time, in which a clock set back cannot make data look younger or a
 * pass look unexpired. Kept by the scan page across reloads:
 * - `serverTime` / `deviceTime`: the server's time at the last sync and the device's at that moment;
 * - `latestSeen`: the latest time reached, never lowered between syncs.
 * Now is the server's time at the last sync plus the device's elapsed time since, but never
 * before `latestSeen`; a device clock that went back adds no elapsed time at all. Device times
 * come from `deviceClock` (monotonic within a page) and, across reloads, `resumeTrustClock`.
 */
export interface TrustClock {
  serverTime: number
  deviceTime: number
  latestSeen: number
}

/**
 * How far ahead of the server a device's trusted now may be at a sync and still be kept (so times
 * recorded one after another stay in order across a sync whose `Date` header is whole seconds).
 * Further ahead, the device was wrong (a clock set forward before a reload) and the server wins:
 * otherwise a phone once set to next year would stay there, its data always looking old.
 */
export const SYNC_AHEAD_TOLERANCE_MS = 5 * 60_000

/** The clock after a sync that read the server's time `serverTime` at device time `deviceNow`. */
export function syncTrustClock(
  previous: TrustClock | undefined,
  serverTime: number,
  deviceNow: number,
): TrustClock {
  const before = previous ? trustedNow(previous, deviceNow) : 0
  return {
    serverTime,
    deviceTime: deviceNow,
    latestSeen:
      before - serverTime <= SYNC_AHEAD_TOLERANCE_MS ? Math.max(before, serverTime) : serverTime,
  }
}

/** Now (ms since the epoch) as the device may trust it; store `latestSeen` back with `advance`. */
export function trustedNow(clock: TrustClock, deviceNow: number): number {
  const elapsed = deviceNow - clock.deviceTime
  return Math.max(clock.latestSeen, clock.serverTime + Math.max(0, elapsed))
}

/** The clock with `latestSeen` moved up to now, to be stored (so a later set-back is caught). */
export function advanceTrustClock(clock: TrustClock, deviceNow: number): TrustClock {
  return {
    serverTime: clock.serverTime,
    deviceTime: clock.deviceTime,
    latestSeen: trustedNow(clock, deviceNow),
  }
}

/**
 * The stored clock taken up by a new page, whose device time may be behind the one it was stored
 * with (the phone's clock set back between reloads): time then goes on from `latestSeen` at the
 * device's pace, instead of standing still until the device catches up with its old reading.
 * A device time ahead is kept as it is: data looks older, never younger.
 */
export function resumeTrustClock(clock: TrustClock, deviceNow: number): TrustClock {
  if (clock.serverTime + (deviceNow - clock.deviceTime) >= clock.latestSeen) return clock
  return {
    serverTime: clock.serverTime,
    deviceTime: deviceNow - (clock.latestSeen - clock.serverTime),
    latestSeen: clock.latestSeen,
  }
}

/**
 * A page's device time (ms), monotonic: the page's monotonic clock (`performance.timeOrigin +
 * performance.now()`, which a clock change does not move) plus the largest lead the wall clock
 * ever had over it. The lead catches time the monotonic clock missed while the phone slept (it
 * may pause then); a wall clock set back lowers no lead, so it is ignored; one set forward makes
 * data look older, never younger. `lead` is the state, starting at 0.
 */
export function deviceClock(
  monotonicNow: number,
  wallNow: number,
  lead: number,
): { now: number; lead: number } {
  const next = Math.max(lead, wallNow - monotonicNow)
  return { now: monotonicNow + next, lead: next }
}

/** Seconds since the data was current at the server, as the device knows it. */
export function trustDataAge(
  clock: TrustClock,
  deviceNow: number,
  /** The server's own lag for this data at the sync (another issuer's list fetched a while ago). */
  lagAtSyncSeconds = 0,
): number {
  return (
    Math.max(0, Math.floor((trustedNow(clock, deviceNow) - clock.serverTime) / 1000)) +
    Math.max(0, lagAtSyncSeconds)
  )
}
