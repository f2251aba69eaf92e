import { describe, expect, it } from 'vitest'
import { decideLoopStep, type LoopStepInput } from '../../src/scans/scan-loop-step.ts'
import { scanAnswer, type ScanOutcome } from '../../src/scans/scan-answer.ts'
import { constraintFailure } from '../../src/scans/record-scan.ts'
import { decideVerdict } from '../../src/scans/decide-verdict.ts'
import type { PassClaims } from '../../src/passes/pass-payload.ts'

// The pure steps of a scan (record-scan.ts), without a database.

const NOW = new Date('2026-11-29T08:00:00.000Z')
const HOUR = 3_600_000
const claims: PassClaims = {
  number: '330100000001',
  plate: '浙A12345',
  validFrom: new Date(NOW.getTime() - HOUR),
  validUntil: new Date(NOW.getTime() + 24 * HOUR),
  origin: '330100',
  destination: 'BJ-DEST',
}
const atEntry: LoopStepInput = {
  entry: true,
  checkpoint: { code: 'G60', stationCode: null },
  claims,
  verdict: 'valid',
  passLoopCheckpoints: [],
  scannedAt: NOW,
  now: NOW,
  late: false,
  plateSeenUntil: null,
  skewMs: 120_000,
}
const atDestination: LoopStepInput = {
  ...atEntry,
  entry: false,
  checkpoint: { code: 'DEST', stationCode: 'BJ-DEST' },
}
const releasedLoop = { entry_checkpoint_code: 'G60', destination_code: 'DEST' }

describe('decideLoopStep: what a scan does to its pass loop', () => {
  it('a valid entry scan opens the loop', () => {
    expect(decideLoopStep(atEntry)).toEqual({ step: 'open', flags: [] })
  })

  it('an invalid or unverified entry scan opens nothing, and says nothing more', () => {
    expect(decideLoopStep({ ...atEntry, verdict: 'invalid' })).toEqual({ step: 'none', flags: [] })
    expect(decideLoopStep({ ...atEntry, claims: undefined, verdict: 'invalid' })).toEqual({
      step: 'none',
      flags: [],
    })
  })

  it('a valid entry scan whose pass has ended since, or dated before the plate was last seen, opens nothing: loop_not_opened', () => {
    const ended = { ...claims, validUntil: new Date(NOW.getTime() - HOUR) }
    expect(decideLoopStep({ ...atEntry, claims: ended, now: NOW })).toEqual({
      step: 'none',
      flags: ['loop_not_opened'],
    })
    expect(
      decideLoopStep({ ...atEntry, plateSeenUntil: new Date(NOW.getTime() + 1000).toISOString() }),
    ).toEqual({ step: 'none', flags: ['loop_not_opened'] })
  })

  it('records the arrival where the open loop expects it', () => {
    expect(decideLoopStep({ ...atDestination, passLoop: releasedLoop })).toEqual({
      step: 'arrive',
      flags: [],
    })
    // Before a release names a destination: the checkpoint of the pass's destination station.
    expect(
      decideLoopStep({
        ...atDestination,
        passLoop: { entry_checkpoint_code: 'G60', destination_code: null },
      }),
    ).toEqual({ step: 'arrive', flags: [] })
  })

  it('flags a verified pass at a destination without an open loop: no_open_loop, even when invalid', () => {
    expect(decideLoopStep(atDestination)).toEqual({ step: 'none', flags: ['no_open_loop'] })
    expect(decideLoopStep({ ...atDestination, verdict: 'invalid' })).toEqual({
      step: 'none',
      flags: ['no_open_loop'],
    })
  })

  it('flags a valid scan where the loop neither involves nor expects it: unexpected_destination', () => {
    const elsewhere = { ...atDestination, checkpoint: { code: 'OTHER', stationCode: 'OTHER-ST' } }
    expect(decideLoopStep({ ...elsewhere, passLoop: releasedLoop })).toEqual({
      step: 'none',
      flags: ['unexpected_destination'],
    })
    // A checkpoint that recorded an event on the loop is involved: the arrival is taken there.
    expect(
      decideLoopStep({ ...elsewhere, passLoop: releasedLoop, passLoopCheckpoints: ['OTHER'] }),
    ).toEqual({ step: 'arrive', flags: [] })
  })
})

describe('scanAnswer', () => {
  const outcome = (over: Partial<ScanOutcome> = {}): ScanOutcome => ({
    id: 'scan-1',
    checkpoint: { code: 'G60', kind: 'highway_exit' },
    scannedAt: NOW,
    now: NOW,
    late: false,
    decision: decideVerdict({
      window: 'valid',
      passPlate: claims.plate,
      passStatus: 'active',
      enterpriseWhitelisted: true,
    }),
    flags: [],
    claims,
    passStatus: 'active',
    enterpriseId: 'ent-1',
    reportArrived: false,
    trust: { source: 'database', ageSeconds: 0 },
    ...over,
  })

  it('answers the verdict, the pass and the loop, and leaves out what is empty', () => {
    const answer = scanAnswer(
      outcome({ loop: { id: 'loop-1', state: 'arrived', alerting: false } }),
    )
    expect(answer).toEqual({
      id: 'scan-1',
      verdict: 'valid',
      pass_status: 'valid',
      reasons: [],
      action: 'sample_then_release',
      late: false,
      trust: { source: 'database', age_seconds: 0 },
      checkpoint: { code: 'G60', kind: 'highway_exit' },
      scanned_at: NOW.toISOString(),
      pass: {
        number: claims.number,
        plate: claims.plate,
        valid_from: claims.validFrom.toISOString(),
        valid_until: claims.validUntil.toISOString(),
        origin_region_code: '330100',
        destination_code: 'BJ-DEST',
        issuer_code: '330100',
        status: 'active',
        enterprise_id: 'ent-1',
      },
      loop: { id: 'loop-1', state: 'arrived', alerting: false },
    })
  })

  it('an unverified token answers no pass; flags are shown', () => {
    const answer = scanAnswer(
      outcome({
        claims: undefined,
        passStatus: undefined,
        enterpriseId: null,
        decision: decideVerdict({ tokenProblem: 'malformed' }),
        flags: ['no_open_loop'],
      }),
    )
    expect(answer).not.toHaveProperty('pass')
    expect(answer).toMatchObject({
      verdict: 'invalid',
      reasons: ['malformed'],
      flags: ['no_open_loop'],
    })
  })

  it('names the manual loop only with its warning', () => {
    const manualLoop = { id: 'manual-1', entry_checkpoint_code: 'G92' }
    const warned = decideVerdict({
      window: 'valid',
      passPlate: claims.plate,
      passStatus: 'active',
      enterpriseWhitelisted: true,
      manualLoopOpen: true,
    })
    expect(scanAnswer(outcome({ manualLoop, decision: warned })).manual_loop).toEqual({
      id: 'manual-1',
      checkpoint_code: 'G92',
    })
    expect(scanAnswer(outcome({ manualLoop }))).not.toHaveProperty('manual_loop')
  })
})

describe('constraintFailure reads the error code only', () => {
  it('tells a taken id, a unique index and an unknown constraint apart', () => {
    expect(
      constraintFailure(Object.assign(new Error('x'), { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' })),
    ).toBe('id')
    expect(
      constraintFailure(Object.assign(new Error('x'), { code: 'SQLITE_CONSTRAINT_UNIQUE' })),
    ).toBe('unique')
    expect(constraintFailure(Object.assign(new Error('x'), { code: 'SQLITE_CONSTRAINT' }))).toBe(
      'constraint',
    )
  })

  it('is not fooled by a message naming a constraint, nor by other failures', () => {
    expect(
      constraintFailure(new Error('D1_ERROR: UNIQUE constraint failed: SQLITE_CONSTRAINT')),
    ).toBeUndefined()
    expect(
      constraintFailure(Object.assign(new Error('x'), { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' })),
    ).toBeUndefined()
    expect(
      constraintFailure(Object.assign(new Error('x'), { code: 'SQLITE_BUSY' })),
    ).toBeUndefined()
    expect(constraintFailure(null)).toBeUndefined()
  })
})
