import { createRoute, z } from '@hono/zod-openapi'
import type { Deps } from '../app-env.ts'
import { ApiError, conflict, notFound } from '../http/errors.ts'
import { abortUnless } from '../db/guard.ts'
import { sql } from 'kysely'
import { pageHeaders, pageParams, pagedResponse, slicePage } from '../http/paging.ts'
import {
  ErrorSchema,
  bearer,
  commonErrors,
  createRouter,
  jsonBody,
  jsonResponse,
} from '../http/router.ts'
import { auditEntry } from '../audit-log/audit-entry.ts'
import { actorOf } from './principal.ts'
import { ROLES } from './accounts.table.ts'
import { checkAccountRequest, mayManageAccount } from './account-rules.ts'
import {
  accountView,
  findAccountById,
  findAccountByUsername,
  insertAccount,
  listAccounts,
  setPasswordHash,
} from './accounts.repository.ts'
import { signIn } from './sign-in.ts'
import { changePassword, signOut } from './session.ts'
import { requestClientAddress } from './client-address.ts'
import { allow, signedIn } from './middleware.ts'
import { hashPassword } from './password.ts'

const Username = z
  .string()
  .min(3)
  .max(64)
  .regex(/^[A-Za-z0-9._@-]+$/, 'letters, digits and . _ @ - only')
const Password = z.string().min(8, 'at least 8 characters').max(256)

const LoginBody = z
  .object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) })
  .openapi('LoginRequest')
const LoginAnswer = z
  .object({ token: z.string(), role: z.enum(ROLES), expires_at: z.string() })
  .openapi('LoginAnswer')

const AccountBody = z
  .object({
    username: Username,
    password: Password,
    role: z.enum(ROLES),
    enterprise_id: z.string().min(1).max(64).nullish(),
    checkpoint_codes: z.array(z.string().min(1).max(32)).max(50).nullish(),
  })
  .openapi('AccountRequest')

const Account = z
  .object({
    id: z.string(),
    username: z.string(),
    role: z.enum(ROLES),
    enterprise_id: z.string().nullable(),
    checkpoint_codes: z.array(z.string()),
    disabled: z.boolean(),
    created_at: z.string(),
  })
  .openapi('Account')

const IdParam = z.object({ id: z.string().min(1).max(64) })

const PasswordResetBody = z.object({ password: Password }).openapi('PasswordResetRequest')

const PasswordChangeBody = z
  .object({ current_password: z.string().min(1).max(256), new_password: Password })
  .openapi('PasswordChangeRequest')
const tooManyAttempts = jsonResponse(
  ErrorSchema,
  'too_many_attempts: your address is past its limit, or the account has too many attempts waiting; come back after Retry-After',
)
const SignedOut = z.object({ status: z.literal('signed_out') }).openapi('SignedOut')

export function authRoutes(deps: Deps) {
  const { store } = deps
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'post',
      path: '/auth/login',
      tags: ['auth'],
      summary: 'Sign in and get a bearer token',
      description:
        'Anyone. Answers the token to send as `Authorization: Bearer <token>`, its role and when it expires. Wrong username or password: 401 `invalid_credentials`; a disabled account: 401 `account_disabled`; too many failed attempts from the address or on the account: 429 `too_many_attempts` with `Retry-After`. (The web pages sign in at /ui/login, which sets the session cookie instead.)',
      request: jsonBody(LoginBody),
      responses: {
        200: jsonResponse(LoginAnswer, 'signed in'),
        400: commonErrors[400],
        401: commonErrors[401],
        429: tooManyAttempts,
      },
    }),
    async (c) => {
      const { username, password } = c.req.valid('json')
      const { token, role, expiresAt } = await signIn(
        deps,
        username,
        password,
        requestClientAddress(deps, c),
      )
      return c.json({ token, role, expires_at: expiresAt.toISOString() }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/auth/password',
      tags: ['auth'],
      summary: 'Change your own password: every older token stops working; the answer is a new one',
      description:
        'Any signed-in account, for itself. A wrong `current_password` is 400 `wrong_password` (and counts as a failed sign-in: 429 `too_many_attempts` past the limit); the same password again is 400 `password_unchanged`. Every device must sign in again.',
      security: bearer,
      middleware: [signedIn()],
      request: jsonBody(PasswordChangeBody),
      responses: {
        200: jsonResponse(LoginAnswer, 'changed; a fresh token'),
        ...commonErrors,
        429: tooManyAttempts,
      },
    }),
    async (c) => {
      const body = c.req.valid('json')
      const { token, role, expiresAt } = await changePassword(
        deps,
        c.get('principal')!,
        body.current_password,
        body.new_password,
        requestClientAddress(deps, c),
      )
      return c.json({ token, role, expires_at: expiresAt.toISOString() }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/auth/logout',
      tags: ['auth'],
      summary:
        'Sign out: this and every other token of the account stop working (401 token_revoked)',
      description:
        'Any signed-in account. Signs the account out everywhere: its tokens (and session cookies) issued until now answer 401 `token_revoked`.',
      security: bearer,
      middleware: [signedIn()],
      responses: { 200: jsonResponse(SignedOut, 'signed out'), 401: commonErrors[401] },
    }),
    async (c) => {
      await signOut(deps, c.get('principal')!)
      return c.json({ status: 'signed_out' as const }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/auth/me',
      tags: ['auth'],
      summary: 'The signed-in account',
      description:
        'Any signed-in account: its username, role and bindings (`enterprise_id`, `checkpoint_codes`).',
      security: bearer,
      middleware: [signedIn()],
      responses: { 200: jsonResponse(Account, 'you'), 401: commonErrors[401] },
    }),
    async (c) => {
      const account = await findAccountById(store.db, c.get('principal')!.accountId)
      if (!account) throw notFound('account')
      return c.json(accountView(account), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/accounts',
      tags: ['accounts'],
      summary: 'Create an account (admin: any role; coordinator: enterprise and checkpoint)',
      description:
        'Admins and coordinators; a coordinator may create only `enterprise` and `checkpoint` accounts (else 403). An enterprise account names an existing `enterprise_id` (400 `unknown_enterprise`), a checkpoint account one or more existing `checkpoint_codes` (400 `unknown_checkpoint`), other roles neither. A username taken (in any letter case) is 409 `username_taken`. Audited.',
      security: bearer,
      middleware: [allow('coordinator')],
      request: jsonBody(AccountBody),
      responses: { 201: jsonResponse(Account, 'created'), ...commonErrors },
    }),
    async (c) => {
      const principal = c.get('principal')!
      const body = c.req.valid('json')
      const problem = checkAccountRequest(principal, body)
      if (problem) {
        throw new ApiError(
          problem.status,
          problem.code,
          problem.message,
          problem.field && [{ field: problem.field, message: problem.message }],
        )
      }
      if (body.enterprise_id) {
        const enterprise = await store.db
          .selectFrom('enterprises')
          .select('id')
          .where('id', '=', body.enterprise_id)
          .executeTakeFirst()
        if (!enterprise)
          throw new ApiError(
            400,
            'unknown_enterprise',
            `enterprise ${body.enterprise_id} does not exist`,
            [{ field: 'enterprise_id', message: 'no such enterprise' }],
          )
      }
      const codes = [...new Set(body.checkpoint_codes ?? [])]
      if (codes.length > 0) {
        const known = await store.db
          .selectFrom('checkpoints')
          .select('code')
          .where('code', 'in', codes)
          .execute()
        const missing = codes.filter((code) => !known.some((k) => k.code === code))
        if (missing.length > 0) {
          throw new ApiError(
            400,
            'unknown_checkpoint',
            `no such checkpoint: ${missing.join(', ')}`,
            [{ field: 'checkpoint_codes', message: `unknown: ${missing.join(', ')}` }],
          )
        }
      }
      if (await findAccountByUsername(store.db, body.username)) {
        throw conflict('username_taken', `the username ${body.username} is taken`)
      }
      const now = deps.clock()
      const row = {
        id: crypto.randomUUID(),
        username: body.username,
        password_hash: await hashPassword(body.password),
        role: body.role,
        enterprise_id: body.enterprise_id ?? null,
        checkpoint_codes: JSON.stringify(codes),
        disabled: 0,
        created_at: now.toISOString(),
        created_by: principal.accountId,
        token_version: 0,
      }
      const view = accountView(row)
      await store.atomic([
        abortUnless(
          sql`NOT EXISTS (SELECT 1 FROM accounts WHERE username = ${row.username} COLLATE NOCASE)`,
          'username_taken',
          'that username is taken',
        ),
        insertAccount(store.db, row),
        auditEntry(now, {
          actor: actorOf(principal),
          action: 'account.create',
          subject: `account:${row.id}`,
          after: view,
        }),
      ])
      return c.json(view, 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/accounts',
      tags: ['accounts'],
      summary: 'All accounts',
      description:
        'Admins and coordinators: every account with its role, bindings and whether it is disabled, oldest first; paged.',
      security: bearer,
      middleware: [allow('coordinator')],
      request: { query: z.object(pageParams({ limit: 1000, max: 1000 })) },
      responses: { 200: pagedResponse(Account, 'accounts, oldest first'), ...commonErrors },
    }),
    async (c) => {
      const page = c.req.valid('query')
      // One account per firm and per checkpoint shift: read whole and paged here, counted from the same rows.
      const { rows, total } = slicePage(await listAccounts(store.db), page)
      return c.json(rows.map(accountView), 200, pageHeaders(c, page, total))
    },
  )

  for (const disabled of [true, false]) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/accounts/{id}/${disabled ? 'disable' : 'enable'}`,
        tags: ['accounts'],
        summary: disabled
          ? 'Disable an account: its tokens stop working at once'
          : 'Enable an account again',
        description: disabled
          ? 'Admins and coordinators (only an admin may change admin and coordinator accounts: else 403). The account can no longer sign in, and its tokens answer 401 `account_disabled` from the next request on. Your own account: 409 `own_account`. Audited.'
          : 'Admins and coordinators (only an admin may change admin and coordinator accounts: else 403). The account may sign in again; tokens issued before it was disabled work again until they expire. Your own account: 409 `own_account`. Audited.',
        security: bearer,
        middleware: [allow('coordinator')],
        request: { params: IdParam },
        responses: { 200: jsonResponse(Account, 'the account'), ...commonErrors },
      }),
      async (c) => {
        const principal = c.get('principal')!
        const account = await findAccountById(store.db, c.req.valid('param').id)
        if (!account) throw notFound('account')
        const check = checkAccountRequest(principal, {
          role: account.role,
          enterprise_id: account.enterprise_id,
          checkpoint_codes: JSON.parse(account.checkpoint_codes),
        })
        if (check?.status === 403)
          throw new ApiError(403, 'forbidden', `only an admin may change ${account.role} accounts`)
        if (account.id === principal.accountId)
          throw conflict('own_account', 'you cannot disable or enable your own account')
        const now = deps.clock()
        const after = { ...account, disabled: disabled ? 1 : 0 }
        await store.atomic([
          store.db
            .updateTable('accounts')
            .set({ disabled: after.disabled })
            .where('id', '=', account.id),
          auditEntry(now, {
            actor: actorOf(principal),
            action: disabled ? 'account.disable' : 'account.enable',
            subject: `account:${account.id}`,
            before: accountView(account),
            after: accountView(after),
          }),
        ])
        return c.json(accountView(after), 200)
      },
    )
  }

  app.openapi(
    createRoute({
      method: 'post',
      path: '/accounts/{id}/password',
      tags: ['accounts'],
      summary: 'Reset an account’s password: every session of the account ends at once',
      description:
        'For a person who forgot their password: the new one is told to them in person. An admin may reset any account; a coordinator only enterprise and checkpoint accounts (403 otherwise). Your own password is changed with POST /auth/password (409 `own_account` here). Audited as `account.password_reset`, without the password.',
      security: bearer,
      middleware: [allow('coordinator')],
      request: { params: IdParam, ...jsonBody(PasswordResetBody) },
      responses: { 200: jsonResponse(Account, 'the account'), ...commonErrors },
    }),
    async (c) => {
      const principal = c.get('principal')!
      const account = await findAccountById(store.db, c.req.valid('param').id)
      if (!account) throw notFound('account')
      if (!mayManageAccount(principal, account))
        throw new ApiError(403, 'forbidden', `only an admin may change ${account.role} accounts`)
      if (account.id === principal.accountId)
        throw conflict('own_account', 'change your own password with POST /api/v1/auth/password')
      const now = deps.clock()
      const hash = await hashPassword(c.req.valid('json').password)
      await store.atomic([
        setPasswordHash(store.db, account.id, hash),
        // Never the password or its hash: the log says it was reset and the sessions ended.
        auditEntry(now, {
          actor: actorOf(principal),
          action: 'account.password_reset',
          subject: `account:${account.id}`,
          after: { password: 'reset', earlier_tokens: 'revoked' },
        }),
      ])
      return c.json(accountView(account), 200)
    },
  )

  return app
}
