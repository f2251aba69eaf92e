import { describe, expect, it } from 'vitest'
import { routingProblem, startOfChinaDay, validityProblem } from '../../src/applications/rules.ts'
import { isValidResidentId, residentIdCheckCharacter } from '../../src/applications/resident-id.ts'
import { maskIdNumber, maskPhone } from '../../src/privacy/personal-data.ts'

describe('the routing rule', () => {
  it('sends goods from a high-risk origin to a transfer station only', () => {
    expect(routingProblem('high', false)?.code).toBe('transfer_station_required')
    expect(routingProblem('high', true)).toBeNull()
  })
  it('lets a medium- or low-risk origin go to a station or the firm’s own site', () => {
    for (const risk of ['medium', 'low'] as const) {
      expect(routingProblem(risk, false)).toBeNull()
      expect(routingProblem(risk, true)).toBeNull()
    }
  })
})

describe('the validity window', () => {
  const now = new Date('2026-11-29T08:00:00Z') // 16:00 in China
  const at = (iso: string) => new Date(iso)
  it('accepts a window that started earlier today, China time', () => {
    expect(
      validityProblem(
        at('2026-11-29T00:30:00+08:00'),
        at('2026-12-10T00:00:00+08:00'),
        now,
        30,
        30,
      ),
    ).toBeNull()
  })
  it('refuses a start before today', () => {
    expect(
      validityProblem(at('2026-11-28T23:59:00+08:00'), at('2026-12-10T00:00:00+08:00'), now, 30, 30)
        ?.field,
    ).toBe('valid_from')
  })
  it('refuses an end in the past or before the start', () => {
    expect(
      validityProblem(at('2026-11-29T09:00:00+08:00'), at('2026-11-29T10:00:00+08:00'), now, 30, 30)
        ?.message,
    ).toMatch(/future/)
    expect(
      validityProblem(at('2026-12-02T00:00:00+08:00'), at('2026-12-01T00:00:00+08:00'), now, 30, 30)
        ?.message,
    ).toMatch(/after valid_from/)
  })
  it('allows exactly the maximum length and no more', () => {
    const from = at('2026-11-30T00:00:00+08:00')
    expect(
      validityProblem(from, new Date(from.getTime() + 30 * 86_400_000), now, 30, 30),
    ).toBeNull()
    expect(
      validityProblem(from, new Date(from.getTime() + 30 * 86_400_000 + 60_000), now, 30, 30)
        ?.message,
    ).toMatch(/30 days/)
    expect(
      validityProblem(from, new Date(from.getTime() + 8 * 86_400_000), now, 7, 30)?.message,
    ).toMatch(/7 days/)
  })
  it('counts the day in China time, not UTC', () => {
    expect(startOfChinaDay(new Date('2026-11-29T17:00:00Z')).toISOString()).toBe(
      '2026-11-29T16:00:00.000Z',
    )
    expect(startOfChinaDay(new Date('2026-11-29T15:59:00Z')).toISOString()).toBe(
      '2026-11-28T16:00:00.000Z',
    )
  })
})

describe('resident ID numbers (GB 11643)', () => {
  it('accept the standard’s own example and compute its check character', () => {
    expect(residentIdCheckCharacter('11010519491231002')).toBe('X')
    expect(isValidResidentId('11010519491231002X')).toBe(true)
  })
  it('refuse a wrong check character, an impossible or future birth date and bad shapes', () => {
    expect(isValidResidentId('110105194912310021')).toBe(false)
    const withBirth = (birth: string) => {
      const first17 = `330702${birth}123`
      return first17 + residentIdCheckCharacter(first17)
    }
    expect(isValidResidentId(withBirth('19850230'))).toBe(false)
    expect(isValidResidentId(withBirth('20991231'))).toBe(false)
    expect(isValidResidentId(withBirth('19850228'))).toBe(true)
    expect(isValidResidentId('11010519491231002x')).toBe(false)
    expect(isValidResidentId('1101051949123100')).toBe(false)
  })
})

describe('masking', () => {
  it('shows an ID number as region + stars + last four and a phone as 138****5678', () => {
    expect(maskIdNumber('330702198503121234')).toBe('330702********1234')
    expect(maskPhone('13812345678')).toBe('138****5678')
  })
})
