import type { Deps } from '../../app-env.ts'
import { applicationErasedAt } from '../../personal-data/retention.repository.ts'
import { chinaTime } from '../format.ts'
import { MESSAGES } from '../i18n.ts'
import type { PageContext } from '../layout.tsx'
import { fill } from './coordinator/shown.tsx'

// Where a crew is shown and its personal data was erased (retention, a subject's request,
// decommission), the page says so in words, with the day (China time), instead of an empty list.

/** "Personal data deleted under the retention rule (2027-01-25)", or nothing while it is held. */
export function PersonalDataErased(props: { ctx: PageContext; at: string | null | undefined }) {
  if (!props.at) return null
  const t = MESSAGES[props.ctx.lang]
  return (
    <p class="hint" data-personal-erased>
      {fill(t.retentionErased, { date: chinaTime(props.at).slice(0, 10) })}
    </p>
  )
}

/** The same for a pass, read from its application (the pass page's view has no such field). */
export async function PassPersonalDataErased(props: {
  deps: Deps
  ctx: PageContext
  applicationId: string
}) {
  const at = await applicationErasedAt(props.deps.store.db, props.applicationId)
  return <PersonalDataErased ctx={props.ctx} at={at} />
}
