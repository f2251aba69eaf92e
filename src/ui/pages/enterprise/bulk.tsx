import { CSV_COLUMNS, crewKeys } from '../../../applications/bulk/csv-columns.ts'
import { CARGO_CATEGORIES } from '../../../applications/rules.ts'
import type { Deps } from '../../../app-env.ts'
import { Layout, Table, type PageContext } from '../../layout.tsx'
import { MESSAGES, words } from '../../i18n.ts'

const TEMPLATE = '/api/v1/applications/bulk/template.csv'

/** The columns explained one by one; the crew's nine columns share one line per member slot. */
const EXPLAINED = CSV_COLUMNS.filter((c) => !c.key.startsWith('crew'))

/**
 * Bulk applications (issue 19): what goes in each column, the template in either header
 * language, and the upload. The script (client/bulk-upload.ts) posts the file's bytes as they are
 * (`text/csv`, no re-encoding: a GBK file stays GBK) and fills in the result table, row by row.
 */
export function bulkPage(deps: Deps, ctx: PageContext) {
  const t = MESSAGES[ctx.lang]
  const meaning = (key: string) => (t as Record<string, string>)[`bulkCol_${key}`] ?? ''
  return (
    <Layout ctx={ctx} title={t.bulkTitle} scripts={['app', 'bulk']}>
      <h1>{t.bulkTitle}</h1>
      <p>{t.bulkIntro}</p>
      <p class="hint">{t.bulkLimits.replace('{rows}', String(deps.config.BULK_MAX_ROWS))}</p>
      <p>
        {t.bulkTemplate}{' '}
        <a href={`${TEMPLATE}?lang=zh`} download data-template="zh">
          {t.bulkTemplateZh}
        </a>
        {' · '}
        <a href={`${TEMPLATE}?lang=en`} download data-template="en">
          {t.bulkTemplateEn}
        </a>
      </p>

      <section class="card" aria-labelledby="bulk-upload-title">
        <h2 id="bulk-upload-title">{t.bulkUploadTitle}</h2>
        <form id="bulk-form" data-bulk-upload novalidate>
          <div class="field">
            <label for="bulk-file">{t.bulkFile}</label>
            <input id="bulk-file" name="file" type="file" accept=".csv,text/csv" required />
          </div>
          <button type="submit">{t.bulkUpload}</button>
        </form>
        <p data-bulk-status role="status"></p>
        <div class="errors" role="alert" data-bulk-errors tabindex={-1}></div>
      </section>

      <section data-bulk-results hidden aria-labelledby="bulk-results-title">
        <h2 id="bulk-results-title">{t.bulkResultsTitle}</h2>
        <p data-bulk-summary></p>
        <div class="table-wrap">
          <table aria-labelledby="bulk-results-title">
            <thead>
              <tr>
                <th scope="col">{t.bulkRow}</th>
                <th scope="col">{t.plate}</th>
                <th scope="col">{t.bulkOutcome}</th>
                <th scope="col">{t.bulkReasons}</th>
              </tr>
            </thead>
            <tbody data-bulk-rows></tbody>
          </table>
        </div>
      </section>

      <h2>{t.bulkColumnsTitle}</h2>
      <Table
        label={t.bulkColumnsTitle}
        empty={t.none}
        head={[t.bulkColumnZh, t.bulkColumnEn, t.bulkColumnMeaning, t.bulkColumnExample]}
        rows={[
          ...EXPLAINED.map((c) => [
            <span class="data" lang="zh-CN">
              {c.zh}
            </span>,
            <code>{c.key}</code>,
            meaning(c.key),
            c.example ? <code lang="zh-CN">{c.example}</code> : '',
          ]),
          ...([1, 2, 3] as const).map((slot) => [
            <span class="data" lang="zh-CN">
              {CSV_COLUMNS.filter((c) => Object.values(crewKeys(slot)).includes(c.key as never))
                .map((c) => c.zh)
                .join('、')}
            </span>,
            <code>{Object.values(crewKeys(slot)).join(', ')}</code>,
            meaning('crew'),
            slot === 1 ? <code lang="zh-CN">张三, 11010519491231002X, 13812345678</code> : '',
          ]),
        ]}
      />
      <p>{t.bulkTimesHint}</p>
      <p>{t.bulkRoutingHint}</p>
      <p>
        {t.bulkCargoHint}{' '}
        {CARGO_CATEGORIES.map((code, i) => (
          <>
            {i ? (ctx.lang === 'zh' ? '、' : ', ') : ''}
            <span data-cargo={code}>{words(ctx.lang, code)}</span>
          </>
        ))}
      </p>
    </Layout>
  )
}
