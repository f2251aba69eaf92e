import { involvedCheckpoints } from '../loops/involvement.ts'
import type { LoopRow } from '../loops/loops.table.ts'

/**
 * Whether a scan at a transfer station or destination checkpoint may record the vehicle's arrival
 * on its open pass loop. Recording it makes the checkpoint involved (it reads, writes and closes
 * the loop from then on), so only a checkpoint that is involved already (involvement.ts: the entry,
 * one that recorded an event, the release destination) or is where the truck is expected may: the
 * release's destination, or — before a release named one — the checkpoint of the transfer station
 * the pass names as its destination. Anywhere else the scan is answered and flagged, nothing more.
 */
export function expectsArrival(
  checkpoint: { code: string; stationCode: string | null },
  loop: Pick<LoopRow, 'entry_checkpoint_code' | 'destination_code'>,
  eventCheckpoints: Iterable<string>,
  passDestination: string,
): boolean {
  if (involvedCheckpoints(loop, eventCheckpoints).has(checkpoint.code)) return true
  return (
    loop.destination_code === null &&
    checkpoint.stationCode !== null &&
    checkpoint.stationCode === passDestination
  )
}
