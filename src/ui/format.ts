/** A time as people read it in China (UTC+8, no daylight saving): `2026-11-30 08:00`. */
export const chinaTime = (iso: string | null) =>
  iso ? new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ') : ''
