import { api, el, i18n } from './common.ts'

// Forms marked `data-api` submit JSON to the API. Field names are paths (`crew.0.id_number`); the
// API's 400 `details` name the same paths, so each message lands beside its field — the exact
// words the API uses. `_path.x` fills `{x}` in the URL; `data-type="china-time"` inputs are local
// times in China (UTC+8).

function setPath(target: Record<string, unknown>, path: string[], value: unknown) {
  let node: any = target
  path.forEach((key, i) => {
    if (i === path.length - 1) node[key] = value
    else node = node[key] ??= /^\d+$/.test(path[i + 1]) ? [] : {}
  })
}

function serialise(form: HTMLFormElement) {
  const body: Record<string, unknown> = {}
  const params: Record<string, string> = {}
  for (const field of Array.from(form.elements) as HTMLInputElement[]) {
    if (
      !field.name ||
      field.disabled ||
      field.name.startsWith('_destination') ||
      field.type === 'submit'
    )
      continue
    if (field.closest('[hidden]')) continue
    let value: unknown = field.value.trim()
    if (field.name.startsWith('_path.')) {
      params[field.name.slice(6)] = String(value)
      continue
    }
    // A checkbox is a yes/no the API takes as `true`, sent only when ticked.
    if (field.type === 'checkbox') {
      if (field.checked) setPath(body, field.name.split('.'), true)
      continue
    }
    if (value === '') continue
    if (field.dataset.type === 'china-time') value = `${value}:00+08:00`
    if (field.type === 'number') value = Number(value)
    setPath(body, field.name.split('.'), value)
  }
  if (Array.isArray(body.crew)) body.crew = body.crew.filter(Boolean)
  return { body, params }
}

function showErrors(
  form: HTMLFormElement,
  error: { message?: string; details?: { field: string; message: string }[] } | undefined,
) {
  form.querySelectorAll('.field-error').forEach((n) => n.remove())
  form.querySelectorAll('[aria-invalid]').forEach((n) => n.removeAttribute('aria-invalid'))
  const summary = form.querySelector<HTMLElement>('[data-errors]')
  if (!error) {
    if (summary) summary.textContent = ''
    return
  }
  const unplaced: string[] = []
  for (const detail of error.details ?? []) {
    const input =
      form.querySelector<HTMLInputElement>(`[name="${CSS.escape(detail.field)}"]`) ??
      form.querySelector<HTMLInputElement>(`[name="_path.${CSS.escape(detail.field)}"]`)
    if (input) {
      const id = `${input.id || input.name}-error`
      input.setAttribute('aria-invalid', 'true')
      input.setAttribute('aria-describedby', id)
      input.insertAdjacentElement('afterend', el('p', { class: 'field-error', id }, detail.message))
    } else {
      unplaced.push(`${detail.field}: ${detail.message}`)
    }
  }
  if (summary) {
    summary.replaceChildren(
      el('strong', {}, i18n.t.fixErrors ?? ''),
      el('p', {}, error.message ?? ''),
      ...unplaced.map((m) => el('p', {}, m)),
    )
    summary.focus?.()
  }
}

for (const form of Array.from(document.querySelectorAll<HTMLFormElement>('form[data-api]'))) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const { body, params } = serialise(form)
    const path = form.dataset.api!.replace(/\{(\w+)\}/g, (_, k) =>
      encodeURIComponent(params[k] ?? ''),
    )
    const button = form.querySelector<HTMLButtonElement>('button[type="submit"]')
    if (button) button.disabled = true
    try {
      const answer = await api(form.dataset.method ?? 'POST', path, body)
      if (!answer.ok)
        return showErrors(form, answer.json?.error ?? { message: `HTTP ${answer.status}` })
      showErrors(form, undefined)
      if (form.dataset.redirect) location.assign(form.dataset.redirect)
      else location.reload()
    } finally {
      if (button) button.disabled = false
    }
  })
}

// More crew members (up to 3), each with its own numbered field names.
const addCrew = document.querySelector<HTMLButtonElement>('[data-add-crew]')
addCrew?.addEventListener('click', () => {
  const members = document.querySelectorAll('[data-crew-member]')
  if (members.length >= 3) return
  const copy = members[0].cloneNode(true) as HTMLElement
  const n = members.length
  copy.querySelectorAll<HTMLInputElement>('input').forEach((input) => {
    input.name = input.name.replace(/^crew\.\d+/, `crew.${n}`)
    input.id = `${input.id.replace(/-\d+-/, `-${n}-`)}`
    input.value = ''
  })
  copy.querySelectorAll<HTMLLabelElement>('label').forEach((label) => {
    label.htmlFor = label.htmlFor.replace(/-\d+-/, `-${n}-`)
  })
  copy.querySelectorAll('.field-error').forEach((e) => e.remove())
  members[members.length - 1].after(copy)
  if (n + 1 >= 3) addCrew.hidden = true
})

// Destination: a transfer station, or the firm's own site.
document.querySelectorAll<HTMLInputElement>('input[name="_destination_kind"]').forEach((radio) =>
  radio.addEventListener('change', () => {
    document.querySelectorAll<HTMLElement>('[data-destination]').forEach((box) => {
      box.hidden = box.dataset.destination !== radio.value
    })
  }),
)

// Region pickers: suggestions from the API as the user types a name or code.
const datalist = document.getElementById('region-options') as HTMLDataListElement | null
if (datalist) {
  let timer: number | undefined
  document.querySelectorAll<HTMLInputElement>('input[list="region-options"]').forEach((input) =>
    input.addEventListener('input', () => {
      clearTimeout(timer)
      const q = input.value.trim()
      if (q.length < 1) return
      timer = window.setTimeout(async () => {
        const answer = await api('GET', `/api/v1/regions?limit=20&q=${encodeURIComponent(q)}`)
        if (!answer.ok) return
        datalist.replaceChildren(
          ...answer.json.map((r: { code: string; full_name: string; risk_level: string }) =>
            el('option', { value: r.code }, `${r.full_name} · ${r.risk_level}`),
          ),
        )
      }, 200)
    }),
  )
}

document.querySelector('[data-print]')?.addEventListener('click', () => window.print())
