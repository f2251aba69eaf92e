import { type PageContext } from '../../layout.tsx'
import { MESSAGES, words } from '../../i18n.ts'
import { POSITIVE_OUTCOMES } from '../../../loops/alert-resolution.ts'
import { isCoordinator } from '../../../auth/principal.ts'
import { fill } from './shown.tsx'

/**
 * One text field and a button, posted to the API by the generic form script (client/app.ts):
 * `done` is said after it worked (`{field}` from the answer), `confirm` asked before a destructive
 * action, `redirect` followed instead of reloading.
 */
export function ReasonForm(props: {
  api: string
  label: string
  button: string
  field?: string
  danger?: boolean
  extra?: unknown
  done?: string
  confirm?: string
  redirect?: string
  optional?: boolean
}) {
  const field = props.field ?? 'reason'
  const id = `f-${props.api.replace(/\W+/g, '-')}-${field}`
  return (
    <form
      data-api={props.api}
      data-method="POST"
      data-reload
      data-done={props.done}
      data-confirm={props.confirm}
      data-redirect={props.redirect}
      class="row"
    >
      <div class="errors" role="alert" tabindex={-1} data-errors></div>
      {props.extra ?? null}
      <div class="field" data-field={field}>
        <label for={id}>{props.label}</label>
        <input id={id} name={field} required={!props.optional} />
      </div>
      <div style="flex:0 0 auto">
        <button type="submit" class={props.danger ? 'danger' : ''}>
          {props.button}
        </button>
      </div>
    </form>
  )
}

/** A positive result is final: the coordinator says what the resolution allows (see alerts/resolve-outcome.ts). */
export function OutcomePicker(props: { ctx: PageContext; id: string }) {
  const id = `outcome-${props.id}`
  return (
    <div class="field" data-field="outcome">
      <label for={id}>{MESSAGES[props.ctx.lang].outcome}</label>
      <select id={id} name="outcome" required>
        {POSITIVE_OUTCOMES.map((o) => (
          <option value={o}>{words(props.ctx.lang, o)}</option>
        ))}
      </select>
    </div>
  )
}

/**
 * Revoking a pass with a reason, asked to confirm first: for coordinators, on an active pass only
 * (the pass page and the pass list both show it).
 */
export function RevokePassForm(props: {
  ctx: PageContext
  pass: { number: string; status: string }
}) {
  const { ctx, pass } = props
  if (!ctx.principal || !isCoordinator(ctx.principal) || pass.status !== 'active') return null
  const t = MESSAGES[ctx.lang]
  return (
    <details class="no-print revoke" data-revoke={pass.number}>
      <summary>{t.revokePass}</summary>
      <ReasonForm
        api={`/api/v1/passes/${pass.number}/revoke`}
        label={t.revokeReason}
        button={t.revokePass}
        danger
        done={t.revokeDone}
        confirm={fill(t.revokeConfirm, { number: pass.number })}
      />
    </details>
  )
}
