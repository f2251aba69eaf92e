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
