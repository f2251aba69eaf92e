import type { PassClaims } from '../passes/pass-payload.ts'
import type { LoopRow } from '../loops/loops.table.ts'
import { expectsArrival } from './arrival-checkpoint.ts'
import { mayOpenLoop } from './scan-time.ts'

/**
 * What a scan does to its pass's loop: `open` a new one (a valid scan at an entry), `arrive` on the
 * open one (`destination_arrived`, a valid scan at a station or destination where the loop expects
 * it), or `none` — with the flag that says why, where there is one:
 *  - `loop_not_opened`: a valid entry scan that may not open a loop now (scan-time.ts `mayOpenLoop`);
 *  - `no_open_loop`: a verified pass at a station or destination without an open pass loop;
 *  - `unexpected_destination`: a valid scan where the open loop neither involves nor expects it.
 */
export type LoopStep = 'open' | 'arrive' | 'none'

export interface LoopStepInput {
  entry: boolean
  checkpoint: { code: string; stationCode: string | null }
  /** The verified pass, if the token checked out. */
  claims?: PassClaims
  verdict: 'valid' | 'invalid'
  /** The plate's open pass loop, and the checkpoints that recorded its events. */
  passLoop?: Pick<LoopRow, 'entry_checkpoint_code' | 'destination_code'>
  passLoopCheckpoints: readonly string[]
  scannedAt: Date
  now: Date
  late: boolean
  /** The latest time a pass loop of the plate opened or closed. */
  plateSeenUntil: string | null
  skewMs: number
}

/** Pure: decides the loop step from what the scan gathered (record-scan.ts writes it). */
export function decideLoopStep(s: LoopStepInput): { step: LoopStep; flags: string[] } {
  const flags: string[] = []
  if (s.claims && !s.entry && !s.passLoop) flags.push('no_open_loop')
  if (!s.claims || s.verdict !== 'valid') return { step: 'none', flags }
  if (s.entry) {
    const plateSeenUntil = s.plateSeenUntil ? new Date(s.plateSeenUntil) : null
    if (
      mayOpenLoop({ at: s.scannedAt, now: s.now, late: s.late, plateSeenUntil }, s.claims, s.skewMs)
    )
      return { step: 'open', flags }
    return { step: 'none', flags: [...flags, 'loop_not_opened'] }
  }
  if (!s.passLoop) return { step: 'none', flags }
  if (expectsArrival(s.checkpoint, s.passLoop, s.passLoopCheckpoints, s.claims.destination))
    return { step: 'arrive', flags }
  return { step: 'none', flags: [...flags, 'unexpected_destination'] }
}
