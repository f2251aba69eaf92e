import type { PageContext } from '../../layout.tsx'
import { MESSAGES } from '../../i18n.ts'

/**
 * A region picked by name: the generic form script (client/app.ts) fills the `region-options`
 * list from GET /api/v1/regions as the coordinator types a place name or code; the value sent is
 * the code. One list per page: the second picker on a page passes `list={false}`.
 */
export function RegionPicker(props: {
  ctx: PageContext
  id: string
  name: string
  label: string
  list?: boolean
}) {
  const t = MESSAGES[props.ctx.lang]
  return (
    <div class="field" data-field={props.name}>
      <label for={props.id}>
        {props.label} <span class="hint">{t.regionPickHint}</span>
      </label>
      <input
        id={props.id}
        name={props.name}
        required
        autocomplete="off"
        list="region-options"
        maxlength={40}
      />
      {props.list === false ? null : <datalist id="region-options"></datalist>}
    </div>
  )
}

/** The error summary every API form starts with (the form script fills it). */
export const FormErrors = () => <div class="errors" role="alert" tabindex={-1} data-errors></div>

/** A message with one `{key}` in it filled with data (a name, a username), marked as data. */
export function WithData(props: { template: string; field: string; value: string }) {
  const [before, after = ''] = props.template.split(`{${props.field}}`)
  return (
    <>
      {before}
      <span class="data" lang="zh-CN">
        {props.value}
      </span>
      {after}
    </>
  )
}
