import { sql } from 'kysely'
import type { Deps } from '../app-env.ts'
import { ApiError, badRequest } from '../http/errors.ts'
import { abortUnless } from '../db/guard.ts'
import { auditEntry } from '../audit-log/audit-entry.ts'
import { actorOf } from './principal.ts'
import { hashPassword } from './password.ts'
import type { Principal } from './principal.ts'
import { checkPasswordThrottled, issueTokenFor } from './sign-in.ts'

/**
 * Signs the account out everywhere: raising its token version makes every login token issued
 * before refused (401 `token_revoked`). One version per account, so it is all of the account's
 * sessions, not only this one — the price of a check that costs nothing per request.
 */
export async function signOut(deps: Deps, principal: Principal) {
  const { store } = deps
  const now = deps.clock()
  const [updated] = await store.atomic([
    store.db
      .updateTable('accounts')
      .set({ token_version: sql`token_version + 1` })
      .where('id', '=', principal.accountId)
      .returning('token_version'),
    auditEntry(now, {
      actor: actorOf(principal),
      action: 'account.sign_out',
      subject: `account:${principal.accountId}`,
      after: { earlier_tokens: 'revoked' },
    }),
  ])
  return { tokenVersion: Number(updated.rows[0]?.token_version) }
}

/**
 * Changes the signed-in account's own password. The current password is checked like a sign-in
 * (counted and slowed per account), so a stolen session cannot guess it faster. The token
 * version goes up, so every older token stops working; the answer is a fresh token.
 */
export async function changePassword(
  deps: Deps,
  principal: Principal,
  current: string,
  next: string,
  address: string,
) {
  const { store } = deps
  if (next === current) {
    throw badRequest('password_unchanged', 'new_password: must differ from the current password', [
      { field: 'new_password', message: 'must differ from the current password' },
    ])
  }
  const account = await checkPasswordThrottled(deps, principal.username, current, address)
  if (!account || account.id !== principal.accountId) {
    throw new ApiError(
      400,
      'wrong_password',
      'current_password: that is not your current password',
      [{ field: 'current_password', message: 'not your current password' }],
    )
  }
  const now = deps.clock()
  const newHash = await hashPassword(next)
  const [, updated] = await store.atomic([
    abortUnless(
      sql`EXISTS (SELECT 1 FROM accounts WHERE id = ${account.id} AND password_hash = ${account.password_hash})`,
      'password_changed_meanwhile',
      'the password was changed meanwhile; sign in again',
    ),
    store.db
      .updateTable('accounts')
      .set({ password_hash: newHash, token_version: sql`token_version + 1` })
      .where('id', '=', account.id)
      .returning('token_version'),
    // Never the hash, old or new: the log says that it changed and that older tokens are revoked.
    auditEntry(now, {
      actor: actorOf(principal),
      action: 'account.password_change',
      subject: `account:${account.id}`,
      after: { password: 'changed', earlier_tokens: 'revoked' },
    }),
  ])
  return issueTokenFor(deps, { ...account, token_version: Number(updated.rows[0]?.token_version) })
}
