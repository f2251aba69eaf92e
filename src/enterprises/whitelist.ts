import type { WhitelistLevel, WhitelistStatus } from './enterprises.table.ts'

export interface WhitelistState {
  status: WhitelistStatus
  level: WhitelistLevel | null
}

export type WhitelistDecision =
  | { ok: true; next: WhitelistState }
  | {
      ok: false
      code: 'whitelist_transition' | 'whitelist_unchanged' | 'level_required'
      message: string
    }

// pending → active | removed; active → suspended | removed (or active at another level);
// suspended → active | removed; removed → pending (the firm applies again from the start).
const ALLOWED: Record<WhitelistStatus, WhitelistStatus[]> = {
  pending: ['active', 'removed'],
  active: ['active', 'suspended', 'removed'],
  suspended: ['active', 'removed'],
  removed: ['pending'],
}

/**
 * The whitelist state after a coordinator's decision, or why it is refused. An active firm needs a
 * level (kept from before if not given); a suspended or removed firm keeps its last level on
 * record so the history shows what it lost.
 */
export function decideWhitelist(
  current: WhitelistState,
  requested: { status: WhitelistStatus; level?: WhitelistLevel | null },
): WhitelistDecision {
  if (!ALLOWED[current.status].includes(requested.status)) {
    return {
      ok: false,
      code: 'whitelist_transition',
      message: `a ${current.status} enterprise cannot become ${requested.status}; allowed: ${ALLOWED[current.status].filter((s) => s !== current.status).join(', ')}`,
    }
  }
  const level =
    requested.status === 'active'
      ? (requested.level ?? current.level)
      : requested.status === 'pending'
        ? null
        : current.level
  if (requested.status === 'active' && !level) {
    return {
      ok: false,
      code: 'level_required',
      message: 'an active enterprise needs a level: national, provincial or municipal',
    }
  }
  if (requested.status === current.status && level === current.level) {
    return {
      ok: false,
      code: 'whitelist_unchanged',
      message: `the enterprise is already ${current.status}${level ? ` at ${level} level` : ''}`,
    }
  }
  return { ok: true, next: { status: requested.status, level } }
}

/** 省级以上白名单: provincial or national. */
export const isProvincialOrAbove = (level: WhitelistLevel | null) =>
  level === 'provincial' || level === 'national'
