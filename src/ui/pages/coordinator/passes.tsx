import type { Deps } from '../../../app-env.ts'
import { listEnterprises } from '../../../enterprises/enterprises.repository.ts'
import { readPage } from '../../../http/paging.ts'
import { passViewerOf, passViewFor, visiblePassesQuery } from '../../../passes/passes.repository.ts'
import type { PassStatus } from '../../../passes/passes.table.ts'
import { parsePlate } from '../../../vehicles/plate.ts'
import { Layout, Table, type PageContext } from '../../layout.tsx'
import { chinaTime } from '../../format.ts'
import { MESSAGES, words } from '../../i18n.ts'
import { loadPlaces } from '../../place-names.tsx'

import { RevokePassForm } from './forms.tsx'
import { Data, DestinationShown, Pager, RegionShown, queryNumber } from './shown.tsx'

const PAGE = 50
const STATUSES: PassStatus[] = ['active', 'revoked', 'superseded', 'expired']

export interface PassSearch {
  number?: string
  plate?: string
  firm?: string
  status?: string
  offset?: string
}

/**
 * Every pass, found by number (or its first digits), plate, firm and status, newest first and
 * paged: the same query as GET /api/v1/passes. Each row links to its pass; an active one can be
 * revoked from the row.
 */
export async function passSearchPage(deps: Deps, ctx: PageContext, search: PassSearch) {
  const t = MESSAGES[ctx.lang]
  const db = deps.store.db
  const number = search.number?.trim() || undefined
  const typedPlate = search.plate?.trim() || undefined
  const plate = typedPlate ? parsePlate(typedPlate) : undefined
  const status = STATUSES.find((s) => s === search.status)
  const numberBad = number !== undefined && !/^\d{1,12}$/.test(number)
  const plateBad = typedPlate !== undefined && plate === null
  const offset = queryNumber(search.offset, 0, 1_000_000)
  const now = deps.clock()
  const viewer = passViewerOf(ctx.principal!)
  const firms = await listEnterprises(db, {})
  const firm = firms.find((f) => f.id === search.firm)
  const { rows, total } =
    numberBad || plateBad
      ? { rows: [], total: 0 }
      : await readPage(
          visiblePassesQuery(db, viewer, {
            now,
            status,
            number,
            plate: plate ?? undefined,
            enterpriseId: firm?.id,
          }),
          { limit: PAGE, offset },
        )
  const passes = rows.map((row) => passViewFor(viewer, row, now))
  const places = await loadPlaces(
    deps,
    ctx.lang,
    passes.flatMap((p) => [p.origin_region_code, p.destination.region_code]),
  )
  const firmName = new Map(firms.map((f) => [f.id, f.name]))
  return (
    <Layout ctx={ctx} title={t.passSearch}>
      <h1>{t.passSearch}</h1>
      <form method="get" action="/ui/passes" class="row" role="search">
        <div>
          <label for="q-number">{t.searchNumber}</label>
          <input
            id="q-number"
            name="number"
            inputmode="numeric"
            value={number ?? ''}
            aria-invalid={numberBad ? 'true' : undefined}
            aria-describedby={numberBad ? 'q-number-error' : undefined}
          />
          {numberBad ? (
            <p class="field-error" id="q-number-error">
              {t.numberInvalid}
            </p>
          ) : null}
        </div>
        <div>
          <label for="q-plate">{t.plate}</label>
          <input
            id="q-plate"
            name="plate"
            value={typedPlate ?? ''}
            aria-invalid={plateBad ? 'true' : undefined}
            aria-describedby={plateBad ? 'q-plate-error' : undefined}
          />
          {plateBad ? (
            <p class="field-error" id="q-plate-error">
              {t.plateInvalid}
            </p>
          ) : null}
        </div>
        <div>
          <label for="q-firm">{t.firmCol}</label>
          <select id="q-firm" name="firm">
            <option value="">{t.anyFirm}</option>
            {firms.map((f) => (
              <option value={f.id} selected={f.id === firm?.id} class="data" lang="zh-CN">
                {f.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="q-status">{t.status}</label>
          <select id="q-status" name="status">
            <option value="">{t.anyStatus}</option>
            {STATUSES.map((s) => (
              <option value={s} selected={s === status}>
                {words(ctx.lang, s)}
              </option>
            ))}
          </select>
        </div>
        <div style="flex:0 0 auto">
          <button type="submit">{t.search}</button> <a href="/ui/passes">{t.clearSearch}</a>
        </div>
      </form>
      <p class="hint">{t.timesInChina}</p>
      <Table
        label={t.passSearch}
        empty={t.none}
        head={[t.number, t.plate, t.firmCol, t.status, t.fromTo, t.validity, t.actions]}
        rows={passes.map((p) => [
          <a href={`/ui/passes/${p.number}`} data-pass={p.number}>
            {p.number}
          </a>,
          <span class="nowrap">
            <Data>{p.plate}</Data>
          </span>,
          <Data>{firmName.get(p.enterprise_id) ?? p.enterprise_id}</Data>,
          <>
            <span class={`badge status-${p.status}`} data-status={p.status}>
              {words(ctx.lang, p.status)}
            </span>
            {/* A revocation's reason is the coordinator's own text; a supersession's is the system's: its successor is shown instead. */}
            {p.status === 'revoked' && p.status_reason ? (
              <div class="hint">
                {t.statusReason}
                <Data>{p.status_reason}</Data>
              </div>
            ) : null}
            {p.status === 'superseded' && p.superseded_by ? (
              <div class="hint">
                {`${t.replacedBy} `}
                <a href={`/ui/passes/${p.superseded_by}`}>{p.superseded_by}</a>
              </div>
            ) : null}
          </>,
          <>
            <RegionShown places={places} code={p.origin_region_code} lang={ctx.lang} />
            {' → '}
            <DestinationShown places={places} lang={ctx.lang} destination={p.destination} />
          </>,
          <>
            <span class="nowrap">{chinaTime(p.valid_from)}</span>
            {' – '}
            <span class="nowrap">{chinaTime(p.valid_until)}</span>
          </>,
          <RevokePassForm ctx={ctx} pass={p} />,
        ])}
      />
      <Pager
        lang={ctx.lang}
        path="/ui/passes"
        query={{
          number,
          plate: typedPlate,
          firm: firm?.id,
          status,
        }}
        offset={offset}
        limit={PAGE}
        shown={passes.length}
        total={total}
      />
    </Layout>
  )
}
