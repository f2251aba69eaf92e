import { residentIdCheckCharacter } from '../../src/applications/resident-id.ts'

/** A valid resident ID number born on `birth` (YYYYMMDD), region 330702. */
export function residentId(birth = '19850312', sequence = '123'): string {
  const first17 = `330702${birth}${sequence}`
  return first17 + residentIdCheckCharacter(first17)
}

/** An application body that passes validation at the test clock's default time (2026-11-29 08:00Z). */
export function applicationBody(overrides: Record<string, unknown> = {}) {
  return {
    plate: '沪A12345D',
    crew: [{ name: '张三', id_number: residentId(), phone: '13812345678' }],
    cargo_category: 'daily_necessities',
    origin_region_code: '310115',
    destination: { station_code: 'HZ-XS-01' },
    route: 'G60 沪昆高速 → 萧山出口 → 空港中转站',
    valid_from: '2026-11-29T16:00:00+08:00',
    valid_until: '2026-12-28T16:00:00+08:00',
    ...overrides,
  }
}

/**
 * Mistakes in a plate or a crew, each with the field the 400 names: an application and a kept
 * vehicle refuse them alike (`[what, the change to a good body, field]`).
 */
export const PLATE_AND_CREW_MISTAKES: [string, Record<string, unknown>, string][] = [
  ['a malformed plate', { plate: '沪I12345' }, 'plate'],
  ['no crew', { crew: [] }, 'crew'],
  [
    'four crew members',
    { crew: Array(4).fill({ name: '李四', id_number: residentId(), phone: '13900001111' }) },
    'crew',
  ],
  [
    'a wrong ID check digit',
    { crew: [{ name: '李四', id_number: '330702198503121230', phone: '13900001111' }] },
    'crew.0.id_number',
  ],
  [
    'a 10-digit phone',
    { crew: [{ name: '李四', id_number: residentId(), phone: '1390000111' }] },
    'crew.0.phone',
  ],
]
