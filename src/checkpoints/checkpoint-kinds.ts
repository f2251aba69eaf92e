import type { CheckpointRow } from './checkpoints.table.ts'

/** Entry checkpoints open loops; the others attach to a vehicle's open loop. */
export const isEntryCheckpoint = (kind: CheckpointRow['kind']) =>
  kind === 'highway_exit' || kind === 'road'
