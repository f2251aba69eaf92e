import { type PageContext } from '../../layout.tsx'
import { MESSAGES, words } from '../../i18n.ts'
import { POSITIVE_OUTCOMES } from '../../../loops/alert-resolution.ts'

export function ReasonForm(props: {
  api: string
  label: string
  button: string
  field?: string
  danger?: boolean
  extra?: unknown
}) {
  const field = props.field ?? 'reason'
  const id = `f-${props.api.replace(/\W+/g, '-')}`
  return (
    <form data-api={props.api} data-method="POST" data-reload class="row">
      <div class="errors" role="alert" data-errors></div>
      {props.extra ?? null}
      <div class="field" data-field={field}>
        <label for={id}>{props.label}</label>
        <input id={id} name={field} required />
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
