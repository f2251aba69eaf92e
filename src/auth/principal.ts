import type { Role } from './accounts.table.ts'

/** Who is calling, as the auth middleware found them. */
export interface Principal {
  accountId: string
  username: string
  role: Role
  enterpriseId: string | null
  checkpointCodes: string[]
}

/** An admin is also a coordinator. */
export function hasRole(principal: Principal, role: Role): boolean {
  return principal.role === role || (role === 'coordinator' && principal.role === 'admin')
}

export function isCoordinator(principal: Principal): boolean {
  return hasRole(principal, 'coordinator')
}
