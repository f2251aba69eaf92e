import type { Role } from './accounts.table.ts'
import type { Principal } from './principal.ts'

export interface AccountRequest {
  role: Role
  enterprise_id?: string | null
  checkpoint_codes?: string[] | null
}

export type AccountProblem = { status: 400 | 403; code: string; message: string; field?: string }

/**
 * Who may create which account, and what each role must be bound to: an admin creates any
 * account; a coordinator creates enterprise and checkpoint accounts only (so a coordinator cannot
 * make an admin, nor a peer coordinator).
 */
export function checkAccountRequest(
  creator: Principal,
  request: AccountRequest,
): AccountProblem | null {
  if (creator.role !== 'admin' && (request.role === 'admin' || request.role === 'coordinator')) {
    return {
      status: 403,
      code: 'forbidden',
      message: `only an admin may create ${request.role} accounts`,
    }
  }
  const hasEnterprise = request.enterprise_id != null
  const codes = request.checkpoint_codes ?? []
  if (request.role === 'enterprise' && !hasEnterprise) {
    return bad('enterprise_id', 'an enterprise account must name its enterprise_id')
  }
  if (request.role !== 'enterprise' && hasEnterprise) {
    return bad('enterprise_id', 'only an enterprise account is bound to an enterprise')
  }
  if (request.role === 'checkpoint' && codes.length === 0) {
    return bad('checkpoint_codes', 'a checkpoint account must name at least one checkpoint code')
  }
  if (request.role !== 'checkpoint' && codes.length > 0) {
    return bad('checkpoint_codes', 'only a checkpoint account is bound to checkpoints')
  }
  return null
}

/**
 * Who may change an existing account (disable, enable, reset its password): an admin any account;
 * a coordinator only enterprise and checkpoint accounts, never an admin's or a peer coordinator's.
 */
export function mayManageAccount(actor: Principal, target: { role: Role }): boolean {
  return actor.role === 'admin' || target.role === 'enterprise' || target.role === 'checkpoint'
}

const bad = (field: string, message: string): AccountProblem => ({
  status: 400,
  code: 'invalid_input',
  message: `${field}: ${message}`,
  field,
})
