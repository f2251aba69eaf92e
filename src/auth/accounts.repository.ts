import { sql, type Insertable, type Kysely } from 'kysely'
import type { Database } from '../database.ts'
import { firstRow, precompiled } from '../db/precompiled.ts'
import type { AccountRow, AccountsTable } from './accounts.table.ts'
import type { Principal } from './principal.ts'

// Read on every signed-in request (a disabled account is refused at once).
const accountById = precompiled(['id'], (db, a: { id: string }) =>
  db.selectFrom('accounts').selectAll().where('id', '=', a.id),
)

export function findAccountById(db: Kysely<Database>, id: string): Promise<AccountRow | undefined> {
  return firstRow(db, accountById({ id }))
}

export function findAccountByUsername(db: Kysely<Database>, username: string) {
  return db.selectFrom('accounts').selectAll().where('username', '=', username).executeTakeFirst()
}

export function listAccounts(db: Kysely<Database>) {
  return db.selectFrom('accounts').selectAll().orderBy('created_at').orderBy('username').execute()
}

export function countAccounts(db: Kysely<Database>) {
  return db
    .selectFrom('accounts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
    .then((r) => Number(r.n))
}

export function insertAccount(db: Kysely<Database>, row: Insertable<AccountsTable>) {
  return db.insertInto('accounts').values(row)
}

/**
 * Sets an account's password hash and raises its token version, so every token issued before
 * stops working (401 `token_revoked`): a reset password ends the account's sessions.
 */
export function setPasswordHash(db: Kysely<Database>, id: string, passwordHash: string) {
  return db
    .updateTable('accounts')
    .set({ password_hash: passwordHash, token_version: sql`token_version + 1` })
    .where('id', '=', id)
}

export function toPrincipal(row: AccountRow): Principal {
  return {
    accountId: row.id,
    username: row.username,
    role: row.role,
    enterpriseId: row.enterprise_id,
    checkpointCodes: JSON.parse(row.checkpoint_codes) as string[],
  }
}

/** The public view of an account: never the password hash. */
export function accountView(row: AccountRow) {
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    enterprise_id: row.enterprise_id,
    checkpoint_codes: JSON.parse(row.checkpoint_codes) as string[],
    disabled: row.disabled === 1,
    created_at: row.created_at,
  }
}
