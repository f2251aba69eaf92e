import type { Role } from './accounts.table.ts'
import { ApiError } from '../http/errors.ts'

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

/** Checkpoint staff act only at the checkpoints their account is bound to. */
export function worksAt(principal: Principal, checkpointCode: string): boolean {
  return principal.checkpointCodes.includes(checkpointCode)
}

export function assertWorksAt(principal: Principal, checkpointCode: string) {
  if (!worksAt(principal, checkpointCode)) throw notYourCheckpoint(checkpointCode)
}

export const notYourCheckpoint = (code: string) =>
  new ApiError(403, 'checkpoint_not_yours', `your account does not work at checkpoint ${code}`)

/** How a principal is named in the audit log and on the records it makes. */
export const actorOf = (principal: Principal | null) =>
  principal ? `${principal.role}:${principal.username}` : 'system'
