import { describe, expect, it } from 'vitest'
import { VERDICT_REASONS, decideVerdict, passStatusOf, type ScanFacts, type VerdictReason } from '../../src/scans/decide-verdict.ts'

/** A valid pass of this deployment, scanned at an entry checkpoint, plate checked, no recent test. */
const clean: ScanFacts = {
  window: 'valid',
  passStatus: 'active',
  enterpriseWhitelisted: true,
  observedPlate: '浙A12345',
  passPlate: '浙A12345',
  loopAlreadyOpen: false,
  recentNegative: false,
}

/** The facts that, added to a clean scan, produce exactly one reason. */
const causes: Record<VerdictReason, Partial<ScanFacts>> = {
  malformed: { tokenProblem: 'malformed' },
  bad_signature: { tokenProblem: 'bad_signature' },
  unknown_key: { tokenProblem: 'unknown_key' },
  not_yet_valid: { window: 'not_yet_valid' },
  expired: { window: 'expired' },
  revoked: { passStatus: 'revoked' },
  superseded: { passStatus: 'superseded' },
  enterprise_not_whitelisted: { enterpriseWhitelisted: false },
  plate_mismatch: { observedPlate: '沪B54321' },
  loop_open: { loopAlreadyOpen: true },
}

const TOKEN_REASONS = ['malformed', 'bad_signature', 'unknown_key'] as const
const PASS_REASONS = VERDICT_REASONS.filter((r) => !(TOKEN_REASONS as readonly string[]).includes(r))

/** Small deterministic PRNG (mulberry32) so "random" cases are the same on every run. */
function rng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}

describe('decideVerdict: the reasons', () => {
  it('lists every reason the domain defines, in the fixed order staff see them', () => {
    expect(VERDICT_REASONS).toEqual([
      'malformed',
      'bad_signature',
      'unknown_key',
      'not_yet_valid',
      'expired',
      'revoked',
      'superseded',
      'enterprise_not_whitelisted',
      'plate_mismatch',
      'loop_open',
    ])
    expect(Object.keys(causes).sort()).toEqual([...VERDICT_REASONS].sort())
  })

  it.each(VERDICT_REASONS)('answers invalid and control on site for %s alone', (reason) => {
    expect(decideVerdict({ ...clean, ...causes[reason] })).toEqual({
      verdict: 'invalid',
      passStatus: reason === 'loop_open' ? 'valid' : 'invalid',
      reasons: [reason],
      action: 'control_on_site',
      warnings: [],
    })
  })

  it.each(VERDICT_REASONS)('never releases on %s, even with a recent negative test', (reason) => {
    const verdict = decideVerdict({ ...clean, ...causes[reason], recentNegative: true })
    expect(verdict.verdict).toBe('invalid')
    expect(verdict.reasons).toEqual([reason])
    expect(verdict.action).toBe('control_on_site')
  })

  it.each(TOKEN_REASONS)('reports only %s for a broken token, whatever else looks wrong', (problem) => {
    const everythingWrong: ScanFacts = {
      tokenProblem: problem,
      window: 'expired',
      passStatus: 'revoked',
      enterpriseWhitelisted: false,
      observedPlate: '沪B54321',
      passPlate: '浙A12345',
      loopAlreadyOpen: true,
      recentNegative: true,
    }
    expect(decideVerdict(everythingWrong)).toEqual({ verdict: 'invalid', passStatus: 'invalid', reasons: [problem], action: 'control_on_site', warnings: [] })
  })

  it('returns every applicable reason at once, in the order of VERDICT_REASONS', () => {
    const verdict = decideVerdict({
      ...clean,
      window: 'expired',
      passStatus: 'superseded',
      enterpriseWhitelisted: false,
      observedPlate: '沪B54321',
      loopAlreadyOpen: true,
    })
    expect(verdict).toEqual({
      verdict: 'invalid',
      passStatus: 'invalid',
      reasons: ['expired', 'superseded', 'enterprise_not_whitelisted', 'plate_mismatch', 'loop_open'],
      action: 'control_on_site',
      warnings: [],
    })
  })

  it('keeps the fixed order for any combination of pass problems, however the facts were assembled', () => {
    const random = rng(20220501)
    // not_yet_valid/expired and revoked/superseded exclude each other: one fact holds each pair.
    const compatible = (set: VerdictReason[]) =>
      !(set.includes('not_yet_valid') && set.includes('expired')) && !(set.includes('revoked') && set.includes('superseded'))
    let checked = 0
    for (let round = 0; round < 300; round++) {
      const chosen = PASS_REASONS.filter(() => random() < 0.5)
      if (!compatible(chosen)) continue
      // Merge the causes in a shuffled order: the answer must not depend on it.
      const facts = shuffled(chosen, random).reduce<ScanFacts>((acc, r) => ({ ...acc, ...causes[r] }), { ...clean })
      const verdict = decideVerdict(facts)
      expect(verdict.reasons).toEqual(VERDICT_REASONS.filter((r) => chosen.includes(r)))
      expect(verdict.verdict).toBe(chosen.length ? 'invalid' : 'valid')
      expect(verdict.action).toBe(chosen.length ? 'control_on_site' : 'sample_then_release')
      checked++
    }
    expect(checked).toBeGreaterThan(50)
  })
})

describe('decideVerdict: the action', () => {
  it('releases a valid pass with a negative test under 48 h', () => {
    expect(decideVerdict({ ...clean, recentNegative: true })).toEqual({ verdict: 'valid', passStatus: 'valid', reasons: [], action: 'release', warnings: [] })
  })

  it('samples, then releases, a valid pass with no recent test', () => {
    expect(decideVerdict({ ...clean, recentNegative: false })).toEqual({ verdict: 'valid', passStatus: 'valid', reasons: [], action: 'sample_then_release', warnings: [] })
    expect(decideVerdict({ ...clean, recentNegative: undefined })).toEqual({ verdict: 'valid', passStatus: 'valid', reasons: [], action: 'sample_then_release', warnings: [] })
  })

  it('controls on site whenever there is a reason, never sending a truck away', () => {
    for (const reason of VERDICT_REASONS) {
      for (const recentNegative of [true, false]) {
        expect(decideVerdict({ ...clean, ...causes[reason], recentNegative }).action).toBe('control_on_site')
      }
    }
  })

  it('accepts another issuer’s valid pass whose status and applicant this deployment cannot know', () => {
    const foreign: ScanFacts = { window: 'valid', observedPlate: '苏E12345', passPlate: '苏E12345', recentNegative: true }
    expect(decideVerdict(foreign)).toEqual({ verdict: 'valid', passStatus: 'valid', reasons: [], action: 'release', warnings: [] })
  })

  it('treats an unknown whitelist state as no reason, and only an explicit false as not whitelisted', () => {
    expect(decideVerdict({ ...clean, enterpriseWhitelisted: undefined }).reasons).toEqual([])
    expect(decideVerdict({ ...clean, enterpriseWhitelisted: false }).reasons).toEqual(['enterprise_not_whitelisted'])
  })
})

describe('decideVerdict: the plate', () => {
  it('flags a plate the staff saw that differs from the pass', () => {
    expect(decideVerdict({ ...clean, observedPlate: '浙A12346' }).reasons).toEqual(['plate_mismatch'])
  })

  it('accepts the same plate', () => {
    expect(decideVerdict({ ...clean, observedPlate: '浙A12345', passPlate: '浙A12345' }).reasons).toEqual([])
  })

  it.each([
    ['not given', undefined],
    ['null', null],
    ['empty', ''],
  ])('compares nothing when the observed plate is %s', (_label, observedPlate) => {
    expect(decideVerdict({ ...clean, observedPlate, passPlate: '浙A12345' })).toEqual({
      verdict: 'valid',
      passStatus: 'valid',
      reasons: [],
      action: 'sample_then_release',
      warnings: [],
    })
  })

  it('compares nothing when the pass plate is unknown', () => {
    expect(decideVerdict({ ...clean, observedPlate: '浙A12345', passPlate: undefined }).reasons).toEqual([])
  })
})

describe('decideVerdict: the pass apart from the entry', () => {
  it('keeps a valid pass valid when only the entry is refused (loop_open)', () => {
    expect(decideVerdict({ ...clean, loopAlreadyOpen: true })).toMatchObject({ verdict: 'invalid', passStatus: 'valid', reasons: ['loop_open'] })
  })

  it.each(VERDICT_REASONS.filter((r) => r !== 'loop_open'))('calls the pass invalid for %s, with or without loop_open', (reason) => {
    expect(passStatusOf([reason])).toBe('invalid')
    expect(passStatusOf([reason, 'loop_open'])).toBe('invalid')
    expect(decideVerdict({ ...clean, ...causes[reason], loopAlreadyOpen: true }).passStatus).toBe('invalid')
  })

  it('calls a pass with no reason valid', () => {
    expect(passStatusOf([])).toBe('valid')
  })
})

describe('decideVerdict: a loop opened by hand', () => {
  it('warns of it and never makes a valid pass loop_open', () => {
    const verdict = decideVerdict({ ...clean, loopAlreadyOpen: false, manualLoopOpen: true })
    expect(verdict).toEqual({ verdict: 'valid', passStatus: 'valid', reasons: [], action: 'sample_then_release', warnings: ['manual_loop_open'] })
  })

  it('still warns beside the reasons of an invalid pass', () => {
    expect(decideVerdict({ ...clean, passStatus: 'revoked', manualLoopOpen: true })).toMatchObject({ verdict: 'invalid', reasons: ['revoked'], warnings: ['manual_loop_open'] })
  })
})
