import { describe, expect, it } from 'vitest'
import { VERDICT_REASONS, decideVerdict, passStatusOf } from '../../src/scans/decide-verdict.ts'
import { VERDICT_CASES, causes } from './verdict-cases.ts'

// The cases themselves are data (verdict-cases.ts): the offline scan page's bundle runs the same
// ones (test/ui/offline-bundle.test.ts).

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

  it('is checked on many shuffled combinations of pass problems', () => {
    expect(
      VERDICT_CASES.filter((c) => c.name.startsWith('keeps the fixed order')).length,
    ).toBeGreaterThan(50)
  })
})

describe('decideVerdict: the cases', () => {
  it.each(VERDICT_CASES)('$name', ({ facts, expected }) => {
    expect(decideVerdict(facts)).toMatchObject(expected)
  })
})

describe('passStatusOf: the pass apart from the entry', () => {
  it.each(VERDICT_REASONS.filter((r) => r !== 'loop_open'))(
    'calls the pass invalid for %s, with or without loop_open',
    (reason) => {
      expect(passStatusOf([reason])).toBe('invalid')
      expect(passStatusOf([reason, 'loop_open'])).toBe('invalid')
    },
  )

  it('calls a pass with no reason, or only loop_open, valid', () => {
    expect(passStatusOf([])).toBe('valid')
    expect(passStatusOf(['loop_open'])).toBe('valid')
  })
})
