// The bulk-application page (pages/enterprise/bulk.tsx): posts the chosen file's bytes as they are
// (`text/csv`; a GBK file stays GBK, the server decodes it) and shows each row's result in words.
import { el, i18n } from './common.ts'

interface RowResult {
  row: number
  status: 'created' | 'rejected'
  id?: string
  plate?: string
  errors?: { field?: string; message: string }[]
}

const t = i18n.t
const form = document.querySelector<HTMLFormElement>('[data-bulk-upload]')
const status = document.querySelector<HTMLElement>('[data-bulk-status]')!
const errors = document.querySelector<HTMLElement>('[data-bulk-errors]')!
const results = document.querySelector<HTMLElement>('[data-bulk-results]')!
const summary = document.querySelector<HTMLElement>('[data-bulk-summary]')!
const rows = document.querySelector<HTMLElement>('[data-bulk-rows]')!

const fill = (text: string, values: Record<string, number>) =>
  text.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? ''))

/** `field: message` (the column as the file names it), in the page's punctuation. */
const reasonText = (e: { field?: string; message: string }) => [
  ...(e.field
    ? [el('span', { class: 'data', lang: 'zh-CN' }, e.field), i18n.lang === 'zh' ? '：' : ': ']
    : []),
  e.message,
]

/** One reason as a line, several as a list. */
const reasonList = (errors: { field?: string; message: string }[]) =>
  errors.length === 1
    ? el('span', {}, ...reasonText(errors[0]!))
    : el('ul', {}, ...errors.map((e) => el('li', {}, ...reasonText(e))))

function showRefusal(error: { code?: string; message?: string; details?: unknown } | undefined) {
  const details = Array.isArray(error?.details)
    ? (error.details as { field?: string; message?: string }[])
    : []
  errors.replaceChildren(
    // The header's problems are listed one by one below; the message would name them all again.
    el(
      'p',
      {},
      `${t.bulkFileRefused} ${error?.code === 'csv_header_invalid' ? t.bulkHeaderWrong : (error?.message ?? '')}`,
    ),
    ...(details.length
      ? [
          el(
            'ul',
            {},
            ...details.map((d) =>
              el('li', {}, ...reasonText({ field: d.field, message: d.message ?? '' })),
            ),
          ),
        ]
      : []),
  )
  errors.focus()
}

function showResults(list: RowResult[]) {
  const created = list.filter((r) => r.status === 'created').length
  summary.textContent = fill(t.bulkSummary!, { c: created, r: list.length - created })
  rows.replaceChildren(
    ...list.map((r) => {
      const reasons =
        r.status === 'created'
          ? el('a', { href: '/ui/passes', 'data-application': r.id ?? '' }, t.bulkSeeApplications!)
          : reasonList(r.errors ?? [])
      return el(
        'tr',
        { 'data-row': String(r.row), 'data-status': r.status },
        el('td', {}, String(r.row)),
        el('td', {}, el('span', { class: 'data', lang: 'zh-CN' }, r.plate ?? '')),
        el(
          'td',
          {},
          el(
            'span',
            { class: r.status === 'created' ? 'badge ok' : 'badge flag' },
            r.status === 'created' ? t.bulkCreated! : t.bulkRejected!,
          ),
        ),
        el('td', {}, reasons),
      )
    }),
  )
  results.hidden = false
}

form?.addEventListener('submit', async (event) => {
  event.preventDefault()
  const file = form.querySelector<HTMLInputElement>('input[type=file]')?.files?.[0]
  errors.replaceChildren()
  if (!file) {
    errors.replaceChildren(el('p', {}, t.bulkNoFile!))
    errors.focus()
    return
  }
  const button = form.querySelector<HTMLButtonElement>('button[type=submit]')
  if (button) button.disabled = true
  status.textContent = t.bulkUploading!
  try {
    const res = await fetch('/api/v1/applications/bulk', {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'x-tongxing-csrf': '1',
        'accept-language': i18n.lang === 'en' ? 'en' : 'zh-CN',
        'content-type': 'text/csv',
      },
      // The file's own bytes: the server reads UTF-8 and GBK alike.
      body: file,
    })
    const json = await res.json().catch(() => null)
    status.textContent = ''
    if (res.ok && Array.isArray(json?.results)) showResults(json.results)
    else {
      results.hidden = true
      showRefusal(json?.error)
    }
  } catch {
    status.textContent = ''
    errors.replaceChildren(el('p', {}, t.bulkNetworkError!))
  } finally {
    if (button) button.disabled = false
  }
})
