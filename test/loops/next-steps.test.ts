import { describe, expect, it } from 'vitest'
import { foldLoop, type LoopEvent } from '../../src/loops/fold.ts'
import { nextSteps, nextStepsOfEvents, stepEvent, NEXT_STEPS } from '../../src/loops/next-steps.ts'

let n = 0
const at = (minute: number) => new Date(Date.UTC(2026, 10, 29, 8, minute)).toISOString()
const ev = (kind: string, data: Record<string, unknown> | null = null, minute = n): LoopEvent => ({
  id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  kind: kind as LoopEvent['kind'],
  at: at(minute),
  checkpoint_code: 'HZ-G60-XS',
  data,
  seq: n,
})
const after = (...events: LoopEvent[]) => nextSteps(foldLoop(events, 6))

describe('the next steps a loop allows', () => {
  it('after the arrival: a certificate or a sample, nothing else', () => {
    expect(after(ev('arrived'))).toEqual(['certificate_checked', 'sampled'])
  })

  it('after the sample: the antigen and PCR results and the release', () => {
    expect(after(ev('arrived'), ev('sampled', { tube_code: 'T' }))).toEqual([
      'antigen_negative',
      'antigen_positive',
      'pcr_negative',
      'pcr_positive',
      'released',
    ])
  })

  it('after a checked certificate: the release', () => {
    expect(after(ev('arrived'), ev('certificate_checked'))).toEqual(['released'])
  })

  it('no release while a positive result stands', () => {
    const steps = after(
      ev('arrived'),
      ev('sampled', { tube_code: 'T' }),
      ev('antigen_result', { result: 'positive' }),
    )
    expect(steps).not.toContain('released')
    expect(steps).toEqual(['pcr_negative', 'pcr_positive'])
  })

  it('after the release: PCR result due, the destination arrival and leaving; never departed before', () => {
    const released = [
      ev('arrived'),
      ev('sampled', { tube_code: 'T' }),
      ev('antigen_result', { result: 'negative' }),
      ev('released', { destination_code: 'HZ-TS-XS' }),
    ]
    expect(after(...released)).toEqual([
      'pcr_negative',
      'pcr_positive',
      'destination_arrived',
      'departed',
    ])
    expect(after(...released, ev('destination_arrived'))).toEqual([
      'pcr_negative',
      'pcr_positive',
      'handed_over',
      'departed',
    ])
    for (const before of [
      after(ev('arrived')),
      after(ev('arrived'), ev('sampled', { tube_code: 'T' })),
    ])
      expect(before).not.toContain('departed')
  })

  it('nothing once the loop is closed', () => {
    expect(
      after(
        ev('arrived'),
        ev('sampled', { tube_code: 'T' }),
        ev('released', { destination_code: 'HZ-TS-XS' }),
        ev('pcr_result', { result: 'negative' }),
        ev('departed'),
      ),
    ).toEqual([])
  })

  it('a withdrawn positive counts for nothing: the release is offered again', () => {
    const sampled = ev('sampled', { tube_code: 'T' }, 1)
    const positive = ev('antigen_result', { result: 'positive' }, 2)
    const corrected = { ...ev('result_corrected', { event_id: positive.id }, 2) }
    expect(nextStepsOfEvents([ev('arrived', null, 0), sampled, positive, corrected])).toContain(
      'released',
    )
  })

  it('every step names the event it records', () => {
    expect(stepEvent('pcr_positive')).toEqual({ kind: 'pcr_result', result: 'positive' })
    expect(stepEvent('antigen_negative')).toEqual({ kind: 'antigen_result', result: 'negative' })
    expect(stepEvent('handed_over')).toEqual({ kind: 'handed_over' })
    for (const step of NEXT_STEPS) expect(stepEvent(step).kind).toMatch(/^[a-z_]+$/)
  })
})
