import type { Deps } from '../../../app-env.ts'
import { accountView, listAccounts } from '../../../auth/accounts.repository.ts'
import { mayManageAccount } from '../../../auth/account-rules.ts'
import type { Role } from '../../../auth/accounts.table.ts'
import { listEnterprises } from '../../../enterprises/enterprises.repository.ts'
import { listCheckpoints } from '../../../checkpoints/checkpoints.repository.ts'
import { Layout, Table, type PageContext } from '../../layout.tsx'
import { chinaTime } from '../../format.ts'
import { MESSAGES, type Lang } from '../../i18n.ts'
import { Data, fill } from './shown.tsx'
import { FormErrors, WithData } from './admin-forms.tsx'

type Account = ReturnType<typeof accountView>

const ROLE_KEYS = {
  admin: 'roleAdmin',
  coordinator: 'roleCoordinator',
  checkpoint: 'roleCheckpoint',
  enterprise: 'roleEnterprise',
} as const

export const roleWord = (lang: Lang, role: Role) => MESSAGES[lang][ROLE_KEYS[role]]

/** Username and first password: the start of every new-account form. */
function Credentials(props: { ctx: PageContext; prefix: string }) {
  const t = MESSAGES[props.ctx.lang]
  const id = (name: string) => `${props.prefix}-${name}`
  return (
    <div class="row">
      <div class="field" data-field="username">
        <label for={id('username')}>
          {t.username} <span class="hint">{t.usernameHint}</span>
        </label>
        <input
          id={id('username')}
          name="username"
          required
          minlength={3}
          maxlength={64}
          autocomplete="off"
          autocapitalize="none"
          spellcheck={false}
        />
      </div>
      <div class="field" data-field="password">
        <label for={id('password')}>{t.initialPassword}</label>
        <input
          id={id('password')}
          name="password"
          type="password"
          required
          minlength={8}
          maxlength={256}
          autocomplete="new-password"
        />
      </div>
    </div>
  )
}

/** Disable or enable, and reset the password: only where the signed-in account may (API rules). */
function AccountControls(props: { ctx: PageContext; account: Account }) {
  const { ctx, account } = props
  const t = MESSAGES[ctx.lang]
  const me = ctx.principal!
  if (account.id === me.accountId) return <span class="hint">{t.ownAccountNote}</span>
  if (!mayManageAccount(me, account)) return <span class="hint">{t.adminOnlyNote}</span>
  const named = { username: account.username }
  const toggle = account.disabled ? 'enable' : 'disable'
  const pw = `pw-${account.id}`
  return (
    <div class="account-controls">
      <form
        data-api={`/api/v1/accounts/${account.id}/${toggle}`}
        data-method="POST"
        data-confirm={fill(account.disabled ? t.enableConfirm : t.disableConfirm, named)}
        data-done={account.disabled ? t.enableDone : t.disableDone}
        data-account-toggle={account.username}
      >
        <FormErrors />
        <button type="submit" class={account.disabled ? 'secondary' : 'danger'}>
          {account.disabled ? t.enableAccount : t.disableAccount}
        </button>
      </form>
      <details>
        <summary>{t.resetPassword}</summary>
        <form
          data-api={`/api/v1/accounts/${account.id}/password`}
          data-method="POST"
          data-confirm={fill(t.resetConfirm, named)}
          data-done={t.resetDone}
          data-account-reset={account.username}
        >
          <FormErrors />
          <div class="field" data-field="password">
            <label for={pw}>
              <WithData template={t.resetPasswordFor} field="username" value={account.username} />
            </label>
            <input
              id={pw}
              name="password"
              type="password"
              required
              minlength={8}
              maxlength={256}
              autocomplete="new-password"
            />
          </div>
          <p>
            <button type="submit">{t.resetPassword}</button>
          </p>
        </form>
      </details>
    </div>
  )
}

export async function accountsPage(deps: Deps, ctx: PageContext) {
  const t = MESSAGES[ctx.lang]
  const db = deps.store.db
  const [accounts, firms, checkpoints] = await Promise.all([
    listAccounts(db).then((rows) => rows.map(accountView)),
    listEnterprises(db, {}),
    listCheckpoints(db, {}),
  ])
  const firmName = new Map(firms.map((f) => [f.id, f.name]))
  const checkpointName = new Map(checkpoints.map((c) => [c.code, c.name]))
  const isAdmin = ctx.principal?.role === 'admin'
  const boundTo = (a: Account) =>
    a.enterprise_id ? (
      <Data>{firmName.get(a.enterprise_id) ?? a.enterprise_id}</Data>
    ) : (
      <Data>{a.checkpoint_codes.map((c) => checkpointName.get(c) ?? c).join('、')}</Data>
    )
  const checkpointOptions = (first: string) => [
    <option value="">{first}</option>,
    ...checkpoints.map((c) => (
      <option value={c.code} lang="zh-CN">
        {c.name}
      </option>
    )),
  ]
  return (
    <Layout ctx={ctx} title={t.accountsTitle}>
      <h1>{t.accountsTitle}</h1>
      <p class="hint">{t.timesInChina}</p>
      <Table
        label={t.accountsTitle}
        empty={t.none}
        head={[t.username, t.accRole, t.accBoundTo, t.status, t.accCreatedAt, t.actions]}
        rows={accounts.map((a) => [
          <span style="white-space:nowrap">
            <Data>{a.username}</Data>
          </span>,
          <span style="white-space:nowrap">{roleWord(ctx.lang, a.role)}</span>,
          boundTo(a),
          <span class={`badge${a.disabled ? ' account-disabled' : ''}`}>
            {a.disabled ? t.accDisabled : t.accEnabled}
          </span>,
          chinaTime(a.created_at),
          <AccountControls ctx={ctx} account={a} />,
        ])}
      />

      <h2 id="new-firm-account">{t.newEnterpriseAccount}</h2>
      <form
        data-api="/api/v1/accounts"
        data-method="POST"
        data-done={t.accountCreated}
        aria-labelledby="new-firm-account"
      >
        <FormErrors />
        <input type="hidden" name="role" value="enterprise" />
        <Credentials ctx={ctx} prefix="new-firm" />
        <div class="field" data-field="enterprise_id">
          <label for="new-firm-enterprise">{t.accFirm}</label>
          <select id="new-firm-enterprise" name="enterprise_id" required>
            <option value="">{t.pickFirm}</option>
            {firms.map((f) => (
              <option value={f.id} lang="zh-CN">
                {f.name}
              </option>
            ))}
          </select>
        </div>
        <p>
          <button type="submit">{t.createAccount}</button>
        </p>
      </form>

      <h2 id="new-checkpoint-account">{t.newCheckpointAccount}</h2>
      <form
        data-api="/api/v1/accounts"
        data-method="POST"
        data-done={t.accountCreated}
        aria-labelledby="new-checkpoint-account"
      >
        <FormErrors />
        <input type="hidden" name="role" value="checkpoint" />
        <Credentials ctx={ctx} prefix="new-cp" />
        <div class="row">
          <div class="field" data-field="checkpoint_codes">
            <label for="new-cp-checkpoint">{t.accCheckpoint}</label>
            <select id="new-cp-checkpoint" name="checkpoint_codes.0" required>
              {checkpointOptions(t.pickCheckpoint)}
            </select>
          </div>
          <div class="field">
            <label for="new-cp-checkpoint-2">{t.accCheckpointMore}</label>
            <select id="new-cp-checkpoint-2" name="checkpoint_codes.1">
              {checkpointOptions(t.noneChosen)}
            </select>
          </div>
        </div>
        <p>
          <button type="submit">{t.createAccount}</button>
        </p>
      </form>

      {isAdmin ? (
        <>
          <h2 id="new-staff-account">{t.newStaffAccount}</h2>
          <form
            data-api="/api/v1/accounts"
            data-method="POST"
            data-done={t.accountCreated}
            aria-labelledby="new-staff-account"
            data-admin-only
          >
            <FormErrors />
            <Credentials ctx={ctx} prefix="new-staff" />
            <div class="field" data-field="role">
              <label for="new-staff-role">{t.accRole}</label>
              <select id="new-staff-role" name="role">
                {(['coordinator', 'admin'] as const).map((r) => (
                  <option value={r}>{roleWord(ctx.lang, r)}</option>
                ))}
              </select>
            </div>
            <p>
              <button type="submit">{t.createAccount}</button>
            </p>
          </form>
        </>
      ) : null}
    </Layout>
  )
}
