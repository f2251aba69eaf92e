// The device time of a scan (`scanned_at`) against the server clock, and what a scan decided at
// that time may still do to loops now.

const MINUTE = 60_000
const HOUR = 60 * MINUTE

/** A device time further ahead than this is refused: the phone's clock is wrong. */
export const FUTURE_LIMIT_MS = 5 * MINUTE
/** A device time further back than this is accepted and marked late (an offline upload). */
export const LATE_AFTER_MS = 24 * HOUR

export type ScanTiming = 'future' | 'late' | 'on_time'

export function placeScanTime(scannedAt: Date, now: Date): ScanTiming {
  const ahead = scannedAt.getTime() - now.getTime()
  if (ahead > FUTURE_LIMIT_MS) return 'future'
  return -ahead > LATE_AFTER_MS ? 'late' : 'on_time'
}

/**
 * Whether a valid entry scan may open a loop now. A scan is decided at its device time, but the
 * loop it opens holds the plate from now on, so:
 * - the pass must still be inside its window now (with the usual clock-skew allowance): a pass
 *   that ended since would otherwise leave an open loop blocking the plate, and the loop would be
 *   dated in the past beyond the pass's window;
 * - a late scan's device time must lie inside the window itself: the skew allowance is for a
 *   phone's clock at a live scan, not for a record a day old or more;
 * - the scan must not be older than the latest time a pass loop of the plate opened or closed
 *   (`plateSeenUntil`): the truck has been seen since, so an offline record uploaded now is
 *   history, and a loop opened from it would hold the plate with a stay that already ended.
 * Otherwise the scan is stored and answered with its verdict, flagged, and opens nothing.
 */
export function mayOpenLoop(
  scan: { at: Date; now: Date; late: boolean; plateSeenUntil?: Date | null },
  pass: { validFrom: Date; validUntil: Date },
  skewMs: number,
): boolean {
  const from = pass.validFrom.getTime()
  const until = pass.validUntil.getTime()
  const now = scan.now.getTime()
  const at = scan.at.getTime()
  if (now < from - skewMs || now > until + skewMs) return false
  if (scan.late && (at < from || at > until)) return false
  if (scan.plateSeenUntil && at < scan.plateSeenUntil.getTime()) return false
  return true
}
