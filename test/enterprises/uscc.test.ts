import { beforeAll, describe, expect, it } from 'vitest'
import { isValidUscc, usccCheckCharacter } from '../../src/enterprises/uscc.ts'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { enterpriseBody, makeUscc } from '../support/reference-data.ts'

// Codes printed on public business licences; their check characters follow GB 32100.
const PUBLISHED = [
  '91350100M000100Y43',
  '914403001922038216',
  '9144030071526726XG',
  '91330100716105852F',
  '91110000802100433B',
]
const FORBIDDEN_LETTERS = ['I', 'O', 'Z', 'S', 'V']

describe('usccCheckCharacter', () => {
  it.each(PUBLISHED)('computes the check character printed on %s', (code) => {
    expect(usccCheckCharacter(code.slice(0, 17))).toBe(code[17])
  })

  it('maps a weighted sum that is a multiple of 31 to "0", not to an out-of-range character', () => {
    // All zeros: the sum is 0, so the check value is (31 - 0) mod 31 = 0.
    expect(usccCheckCharacter('0'.repeat(17))).toBe('0')
  })

  it('answers null for the wrong length or a character outside the alphabet', () => {
    expect(usccCheckCharacter('9135010')).toBeNull()
    expect(usccCheckCharacter('91350100M000100Y43')).toBeNull()
    for (const letter of FORBIDDEN_LETTERS)
      expect(usccCheckCharacter(`91350100M00010${letter}Y4`)).toBeNull()
  })
})

describe('isValidUscc', () => {
  it.each(PUBLISHED)('accepts the published code %s', (code) => {
    expect(isValidUscc(code)).toBe(true)
  })

  it('accepts generated codes over many organisation numbers', () => {
    for (let n = 0; n < 500; n++)
      expect(isValidUscc(makeUscc(n * 7919)), makeUscc(n * 7919)).toBe(true)
  })

  it('refuses every wrong check character', () => {
    const code = PUBLISHED[0]
    for (const wrong of '0123456789ABCDEFGHJKLMNPQRTUWXY') {
      if (wrong === code[17]) continue
      expect(isValidUscc(code.slice(0, 17) + wrong)).toBe(false)
    }
  })

  it('refuses a single changed character in the body (the check catches it)', () => {
    const code = PUBLISHED[1]
    const changed = code.slice(0, 10) + (code[10] === '1' ? '2' : '1') + code.slice(11)
    expect(isValidUscc(changed)).toBe(false)
  })

  it.each(FORBIDDEN_LETTERS)('refuses the letter %s, which the standard never uses', (letter) => {
    const first17 = `91350100M00${letter}100Y4`
    expect(isValidUscc(first17 + '0')).toBe(false)
    // Even with every possible last character: no check character makes it valid.
    for (const last of '0123456789ABCDEFGHJKLMNPQRTUWXY')
      expect(isValidUscc(first17 + last)).toBe(false)
  })

  it('refuses a code with letters where the 6-digit region code belongs', () => {
    const first17 = '9135A100M000100Y4'
    expect(isValidUscc(first17 + usccCheckCharacter(first17))).toBe(false)
  })

  it('refuses the wrong length', () => {
    expect(isValidUscc('')).toBe(false)
    expect(isValidUscc(PUBLISHED[0].slice(0, 17))).toBe(false)
    expect(isValidUscc(PUBLISHED[0] + '0')).toBe(false)
    expect(isValidUscc(' ' + PUBLISHED[0])).toBe(false)
  })

  it('refuses lower case: upper-casing is the API schema’s job', () => {
    expect(isValidUscc('9144030071526726xg')).toBe(false)
  })
})

describe('USCC in POST /api/v1/enterprises', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp()
  })

  it('upper-cases and trims a code typed in lower case, and stores it upper case', async () => {
    const res = await t.call('POST', '/api/v1/enterprises', {
      as: 'coordinator',
      body: enterpriseBody(1, { uscc: ' 9144030071526726xg ' }),
    })
    expect(res.status).toBe(201)
    expect(res.json.uscc).toBe('9144030071526726XG')
    expect(
      t.sqlite.prepare('SELECT uscc FROM enterprises WHERE id = ?').pluck().get(res.json.id),
    ).toBe('9144030071526726XG')
  })

  it('refuses a wrong check character with 400 naming the uscc field', async () => {
    const res = await t.call('POST', '/api/v1/enterprises', {
      as: 'coordinator',
      body: enterpriseBody(2, { uscc: '91350100M000100Y44' }),
    })
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('invalid_input')
    expect(res.json.error.details).toEqual([expect.objectContaining({ field: 'uscc' })])
  })
})
