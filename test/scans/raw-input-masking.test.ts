import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../support/test-app.ts'
import { issuePass, scan } from '../support/flow.ts'
import { residentIdCheckCharacter } from '../../src/applications/resident-id.ts'
import { maskPersonalText } from '../../src/privacy/personal-data.ts'

// A scan's raw input is kept for auditors, and staff type the oddest things into the token and
// plate boxes: a driver's ID number or phone, from a Chinese keyboard (full-width digits,
// ideographic spaces), grouped with spaces, dashes or dots. None of it may be stored in clear.

/** A valid ID number whose check character is X. */
function idEndingInX(): string {
  for (let seq = 100; seq < 999; seq++) {
    const first17 = `33010619920315${String(seq)}`
    if (residentIdCheckCharacter(first17) === 'X') return `${first17}X`
  }
  throw new Error('no X check character found')
}

const ID = idEndingInX()
const ID_MASKED = `${ID.slice(0, 6)}********${ID.slice(-4)}`
const PHONE = '13912345678'
const PHONE_MASKED = '139****5678'
/** Full-width forms, as a Chinese input method types them. */
const fullWidth = (text: string) =>
  text.replace(/[0-9A-Za-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))

/** Every form that gives a value away: all of it, or the part the mask hides. */
function revealing(text: string): string[] {
  const found: string[] = []
  for (const value of [ID, PHONE]) {
    const hidden = value.length === 18 ? value.slice(6, 14) : value.slice(3, 7)
    if (text.includes(value) || text.toUpperCase().includes(hidden)) found.push(value)
  }
  return found
}

describe('maskPersonalText', () => {
  it.each([
    ['full-width digits', fullWidth(ID), ID_MASKED],
    ['full-width digits and a lower-case x', fullWidth(ID.slice(0, 17)) + 'ｘ', ID_MASKED],
    ['spaces', `${ID.slice(0, 6)} ${ID.slice(6, 14)} ${ID.slice(14)}`, ID_MASKED],
    [
      'ideographic spaces',
      `${ID.slice(0, 6)}\u3000${ID.slice(6, 14)}\u3000${ID.slice(14)}`,
      ID_MASKED,
    ],
    [
      'dashes, the X apart',
      `${ID.slice(0, 6)}-${ID.slice(6, 14)}-${ID.slice(14, 17)}-x`,
      ID_MASKED,
    ],
    [
      'full-width dashes and dots',
      fullWidth(`${ID.slice(0, 6)}`) +
        '－' +
        fullWidth(ID.slice(6, 14)) +
        '．' +
        fullWidth(ID.slice(14)),
      ID_MASKED,
    ],
    ['a phone with spaces', '139 1234 5678', PHONE_MASKED],
    ['a phone with dashes', '139-1234-5678', PHONE_MASKED],
    [
      'a full-width phone with an ideographic space',
      fullWidth('139') + '\u3000' + fullWidth('12345678'),
      PHONE_MASKED,
    ],
    ['a phone after the country code', '+86 139 1234 5678', `+86${PHONE_MASKED}`],
    ['slashes', '139/1234/5678', PHONE_MASKED],
    [
      'full-width slashes',
      fullWidth('139') + '／' + fullWidth('1234') + '／' + fullWidth('5678'),
      PHONE_MASKED,
    ],
    ['underscores', '139_1234_5678', PHONE_MASKED],
    ['commas', '139,1234,5678', PHONE_MASKED],
    ['brackets round the prefix', '(139)12345678', `(${PHONE_MASKED}`],
    ['full-width brackets', '（139）1234 5678', `(${PHONE_MASKED}`],
    ['zero-width spaces', '139\u200b1234\u200b5678', PHONE_MASKED],
    ['a word joiner and a zero-width no-break space', '139\u20601234\ufeff5678', PHONE_MASKED],
    ['the country code as 0086', '0086 139 1234 5678', `0086${PHONE_MASKED}`],
    ['the country code as +86 with dashes', '+86-139-1234-5678', `+86${PHONE_MASKED}`],
    [
      'an ID number with slashes',
      `${ID.slice(0, 6)}/${ID.slice(6, 14)}/${ID.slice(14)}`,
      ID_MASKED,
    ],
    [
      'an ID number with underscores',
      `${ID.slice(0, 6)}_${ID.slice(6, 14)}_${ID.slice(14)}`,
      ID_MASKED,
    ],
    ['an ID number split by zero-width spaces', [...ID].join('\u200b'), ID_MASKED],
  ])('masks an ID number or phone written with %s', (_label, typed, masked) => {
    const out = maskPersonalText(`staff typed: ${typed}.`)
    expect(out).toContain(masked)
    expect(revealing(out)).toEqual([])
  })

  it('masks an ID number and a phone typed side by side, whichever comes first', () => {
    for (const text of [
      `${ID} ${PHONE}`,
      `${PHONE} ${ID}`,
      `139 1234 5678 ${ID}`,
      `${ID.slice(0, 6)} ${ID.slice(6)} ${PHONE}`,
    ]) {
      const out = maskPersonalText(text)
      expect(out, text).toContain(ID_MASKED)
      expect(out, text).toContain(PHONE_MASKED)
      expect(revealing(out), text).toEqual([])
    }
  })

  it('keeps everything else as it was: a pass token, times, pass numbers, plates, short numbers', () => {
    const text = JSON.stringify({
      token:
        'eyJhbGciOiJFZERTQSIsImtpZCI6IjIwMjYtMTEifQ.UDF8MzMwMTAwMDAwMDAxfOaxn0ExMjM0NQ.ab-12_34-56cd',
      pass_number: '330100000001',
      scanned_at: '2026-11-29T16:00:00.000Z',
      observed_plate: '浙A12345',
      note: 'lane 3-2, 12.5 t',
    })
    expect(maskPersonalText(text)).toBe(text)
  })

  it('stores the number masked with the separators inside it removed, and nothing else changed', () => {
    expect(maskPersonalText('tel 139/1234/5678, ok')).toBe(`tel ${PHONE_MASKED}, ok`)
    expect(maskPersonalText('call (139)1234_5678 now')).toBe(`call (${PHONE_MASKED} now`)
    expect(maskPersonalText('0086 139 1234 5678')).toBe(`0086${PHONE_MASKED}`)
    expect(maskPersonalText(`id: ${ID.slice(0, 6)}/${ID.slice(6, 14)}/${ID.slice(14)}`)).toBe(
      `id: ${ID_MASKED}`,
    )
    expect(maskPersonalText('139\u200b1234\u200b5678')).toBe(PHONE_MASKED)
    // Short numbers split the same way are kept as they were.
    expect(maskPersonalText('lane 3/2, 12_5, (10)20, 2026/11/29')).toBe(
      'lane 3/2, 12_5, (10)20, 2026/11/29',
    )
  })

  it('still masks what it masked before: an ID number or phone in an unbroken run of digits', () => {
    expect(maskPersonalText(`x${ID}y`)).toBe(`x${ID_MASKED}y`)
    expect(maskPersonalText(`tel:${PHONE};`)).toBe(`tel:${PHONE_MASKED};`)
  })
})

describe('the raw input of a scan', () => {
  it('is stored normalised and masked, whatever form the ID number or phone was typed in', async () => {
    const t = await buildTestApp()
    const pass = await issuePass(t, { plate: '浙M70001' })
    const typed = [
      { token: fullWidth(`${ID.slice(0, 6)} ${ID.slice(6, 14)} ${ID.slice(14)}`) },
      { token: `${ID.slice(0, 6)}\u3000${ID.slice(6, 14)}\u3000${ID.slice(14, 17)}x` },
      { token: pass.token, checkpoint_code: 'HZ-TS-XS', observed_plate: '139-1234-5678' },
      {
        token: pass.token,
        checkpoint_code: 'HZ-TS-XS',
        observed_plate: fullWidth('139 1234 5678'),
      },
      {
        pass_number: '330100000001',
        observed_plate: `${PHONE.slice(0, 3)}.${PHONE.slice(3, 7)}.${PHONE.slice(7)}`,
      },
      { token: `${ID.slice(0, 6)}/${ID.slice(6, 14)}/${ID.slice(14)}` },
      { token: '(139)1234_5678' },
      { token: '139\u200b1234\u200b5678' },
      { token: '0086 139 1234 5678' },
      { pass_number: '330100000001', observed_plate: '139,1234,5678' },
    ]
    for (const body of typed) {
      const id = crypto.randomUUID()
      const res = await scan(t, { id, ...body })
      expect(res.status, res.text).toBe(200)
      const row = t.sqlite
        .prepare('SELECT raw, observed_plate, response FROM scans WHERE id = ?')
        .get(id) as Record<string, string | null>
      for (const [column, value] of Object.entries(row))
        expect(revealing(value ?? ''), `${column} of ${JSON.stringify(body)}`).toEqual([])
      expect(row.raw).toMatch(
        new RegExp(`${ID_MASKED.replaceAll('*', '\\*')}|${PHONE_MASKED.replaceAll('*', '\\*')}`),
      )
    }
  })
})
