/**
 * An officer who tapped the wrong result can withdraw it within a minute (`result_corrected`,
 * `data.event_id` naming the result). The withdrawn result counts for nothing, as if it had never
 * been recorded; a positive NOT withdrawn within the minute stays final for its loop (DOMAIN.md).
 * The rule, one place for both the upload (which refuses a correction that breaks it) and the fold
 * (which applies corrections whatever order the events came in):
 *  - the corrected event is a test result (`antigen_result`, `pcr_result`) of the same loop,
 *  - recorded at the same checkpoint,
 *  - not corrected already (the first correction, in device-time order, is the one that counts),
 *  - and the correction's device time lies 0–60 s after the result's.
 */
export const CORRECTION_WINDOW_MS = 60_000

export type CorrectionCode = 'correction_window_passed' | 'correction_not_allowed'

interface Timed {
  at: string
  checkpoint_code: string
}

/** The event a correction withdraws, as its data names it. */
export const correctedEventId = (data: Record<string, unknown> | null): string | null =>
  typeof data?.event_id === 'string' ? data.event_id : null

export const isTestResult = (kind: string) => kind === 'antigen_result' || kind === 'pcr_result'

/** Why `correction` may not withdraw `target` (undefined: no such event in the loop), or null. */
export function correctionProblem(
  correction: Timed,
  target: (Timed & { id: string; kind: string }) | undefined,
  alreadyCorrected: boolean,
): { code: CorrectionCode; message: string } | null {
  const notAllowed = (message: string) => ({ code: 'correction_not_allowed' as const, message })
  if (!target) return notAllowed('data.event_id: no event with this id in the loop')
  if (!isTestResult(target.kind))
    return notAllowed(
      `data.event_id: event ${target.id} is no test result; only results are withdrawn`,
    )
  if (target.checkpoint_code !== correction.checkpoint_code)
    return notAllowed(
      `data.event_id: event ${target.id} was recorded at checkpoint ${target.checkpoint_code}; only that checkpoint may withdraw it`,
    )
  if (alreadyCorrected)
    return notAllowed(`data.event_id: event ${target.id} has been withdrawn already`)
  const after = Date.parse(correction.at) - Date.parse(target.at)
  if (after < 0)
    return notAllowed(`at: the correction is dated before the result it withdraws (${target.id})`)
  if (after > CORRECTION_WINDOW_MS)
    return {
      code: 'correction_window_passed',
      message: `at: a result can be withdrawn only within 60 seconds of recording it; event ${target.id} was recorded at ${target.at}`,
    }
  return null
}

/**
 * Which results a loop's corrections withdraw (result id → correction id) and which corrections
 * break the rule (correction id → code). `ordered` is the loop's events in device-time order.
 */
export function resolveCorrections<
  T extends Timed & { id: string; kind: string; data: Record<string, unknown> | null },
>(ordered: readonly T[]): { withdrawn: Map<string, string>; refused: Map<string, CorrectionCode> } {
  const withdrawn = new Map<string, string>()
  const refused = new Map<string, CorrectionCode>()
  const corrections = ordered.filter((e) => e.kind === 'result_corrected')
  if (corrections.length === 0) return { withdrawn, refused }
  const byId = new Map(ordered.map((e) => [e.id, e]))
  for (const correction of corrections) {
    const targetId = correctedEventId(correction.data)
    const target = targetId === null ? undefined : byId.get(targetId)
    const problem = correctionProblem(correction, target, target ? withdrawn.has(target.id) : false)
    if (problem) refused.set(correction.id, problem.code)
    else withdrawn.set(target!.id, correction.id)
  }
  return { withdrawn, refused }
}
