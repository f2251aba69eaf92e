import { api, el, i18n, word, type ApiAnswer } from './common.ts'
import './vehicle-picker.ts'

/*
 * The generic form script: a page builds its forms on these attributes, with no script of its own.
 *
 * On the <form>:
 *   data-api="/api/v1/loops/{id}/close"  submit as JSON to this API path; `{x}` is filled from the
 *                                        form's `_path.x` field (URL-encoded)
 *   data-method="POST"                   the HTTP method (POST when absent)
 *   data-confirm="撤销该通行证？"         ask this first (a small dialog: 确定 / 取消); cancelled,
 *                                        nothing is sent. Use on every destructive action.
 *   data-done="已批准，通行证编号 {number}"  said after success, in a role="status" area at the top
 *                                        of the page; `{field}` (or `{a.b}`) is filled from the
 *                                        JSON answer. Absent: "已保存" / "Saved".
 *   data-reload                          reload the page after success (also the default)
 *   data-redirect="/ui/passes/{number}"  go there after success instead; `{field}` from the answer
 *   data-show="enrolment"                stay on the page and show the answer in the hidden block
 *                                        `[data-answer-block="enrolment"]` (e.g. an enrolment's QR):
 *                                        inside it `data-answer="code"` takes the field as text,
 *                                        `data-answer-image="qr_svg"` an SVG field as an <img>,
 *                                        `data-answer-time="expires_at"` a time in China time, and
 *                                        `data-answer-countdown="expires_at"` counts down to it
 *                                        (its `data-left` template with `{m}`/`{s}`, `data-over`
 *                                        once passed); the form is emptied for the next one.
 *                                        `<template data-answer-list="crew">` is copied once per
 *                                        item of that list field, its `data-answer` nodes filled
 *                                        from the item (a new answer replaces the copies)
 * The confirmation survives the reload or redirect (sessionStorage) and is shown on the next page.
 *
 * Inside the form:
 *   name="crew.0.id_number"              field names are paths into the JSON body; the API's 400
 *                                        `details[].field` names the same paths, so each message
 *                                        lands beside its field (in the page's language)
 *   name="_path.id"                      fills `{id}` in data-api; not sent in the body
 *   data-type="china-time"               a datetime-local read as China time (UTC+8)
 *   type="number" / type="checkbox"      sent as a number / as `true` when ticked (else omitted)
 *   type="checkbox" data-list            several boxes of one name send the ticked values as a
 *                                        list (`[]` when none is ticked, for the API to refuse)
 *   <div data-errors tabindex="-1">      the summary of what to fix (and errors with no field)
 */

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
    // Boxes of one list: the ticked ones' values.
    if (field.type === 'checkbox' && 'list' in field.dataset) {
      const path = field.name.split('.')
      const list = path.reduce<any>((node, key) => node?.[key], body) ?? []
      if (field.checked) list.push(field.value)
      setPath(body, path, list)
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
    // A hidden yes/no (e.g. a station's open/closed switch): the API takes a JSON boolean.
    if (field.dataset.type === 'boolean') value = value === 'true'
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

/** `{field}` or `{a.b}` in `template`, from the API's JSON answer ('' where it has no such value). */
function fillFromAnswer(template: string, answer: unknown, encode = (v: string) => v) {
  return template.replace(/\{([\w.]+)\}/g, (_, path: string) => {
    const value = path
      .split('.')
      .reduce<any>((node, key) => (node == null ? undefined : node[key]), answer)
    return value == null || typeof value === 'object' ? '' : encode(String(value))
  })
}

// What the last action did, kept across the reload (or redirect) that follows it; a page opened
// later (one without this script in between) does not show a stale one.
const DONE_KEY = 'tx-done'
const DONE_FOR_MS = 30_000

function showDone(text: string) {
  let area = document.getElementById('tx-done')
  if (!area) {
    area = el('div', { id: 'tx-done', class: 'done', role: 'status' })
    document.querySelector('main')?.prepend(area)
  }
  const close = el('button', { type: 'button', class: 'secondary', 'aria-label': i18n.t.close })
  close.textContent = '×'
  close.addEventListener('click', () => area.replaceChildren())
  area.replaceChildren(el('p', {}, text), close)
}

function rememberDone(text: string): boolean {
  try {
    sessionStorage.setItem(DONE_KEY, JSON.stringify({ text, at: Date.now() }))
    return true
  } catch {
    return false
  }
}

function recallDone() {
  try {
    const kept = JSON.parse(sessionStorage.getItem(DONE_KEY) ?? 'null')
    sessionStorage.removeItem(DONE_KEY)
    if (kept?.text && Math.abs(Date.now() - kept.at) < DONE_FOR_MS) showDone(kept.text)
  } catch {
    // Storage refused (private mode): the message was shown before leaving instead.
  }
}

/** The page's question before a destructive action: a small dialog, window.confirm where none. */
function askFirst(question: string): Promise<boolean> {
  if (typeof HTMLDialogElement === 'undefined') return Promise.resolve(window.confirm(question))
  const yes = el('button', { type: 'button', class: 'danger' }, i18n.t.confirmYes ?? 'OK')
  const no = el('button', { type: 'button', class: 'secondary' }, i18n.t.confirmNo ?? 'Cancel')
  const text = el('p', { id: 'tx-confirm-question' }, question)
  const dialog = el(
    'dialog',
    { class: 'confirm', 'aria-labelledby': 'tx-confirm-question' },
    text,
    el('div', { class: 'row' }, no, yes),
  )
  document.body.append(dialog)
  return new Promise((resolve) => {
    const answer = (value: boolean) => {
      dialog.close()
      dialog.remove()
      resolve(value)
    }
    yes.addEventListener('click', () => answer(true))
    no.addEventListener('click', () => answer(false))
    // Escape closes a modal dialog by itself: that is a no.
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault()
      answer(false)
    })
    dialog.showModal()
    no.focus()
  })
}

async function send(form: HTMLFormElement): Promise<ApiAnswer | null> {
  const { body, params } = serialise(form)
  const path = form.dataset.api!.replace(/\{(\w+)\}/g, (_, k) =>
    encodeURIComponent(params[k] ?? ''),
  )
  try {
    return await api(form.dataset.method ?? 'POST', path, body)
  } catch {
    showErrors(form, { message: i18n.t.networkFailed })
    return null
  }
}

for (const form of Array.from(document.querySelectorAll<HTMLFormElement>('form[data-api]'))) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    if (form.dataset.confirm && !(await askFirst(form.dataset.confirm))) return
    const button = form.querySelector<HTMLButtonElement>('button[type="submit"]')
    if (button) button.disabled = true
    try {
      const answer = await send(form)
      if (!answer) return
      if (!answer.ok)
        return showErrors(form, answer.json?.error ?? { message: i18n.t.requestFailed })
      showErrors(form, undefined)
      const done = fillFromAnswer(form.dataset.done ?? i18n.t.saved ?? '', answer.json)
      // The answer's block says it (a status note above it would cover the QR code).
      if (form.dataset.show) {
        showAnswer(form.dataset.show, answer.json)
        form.reset()
        return
      }
      // Shown now as well, should storage be refused: then it is seen until the page goes.
      if (!rememberDone(done)) showDone(done)
      if (form.dataset.redirect)
        location.assign(fillFromAnswer(form.dataset.redirect, answer.json, encodeURIComponent))
      else location.reload()
    } finally {
      if (button) button.disabled = false
    }
  })
}

recallDone()

/** China time (UTC+8) as the pages print it: `2026-11-30 08:00:00`. */
const chinaTime = (ms: number) =>
  new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ')

/** A form's answer shown in its block on this page (data-show). */
function showAnswer(name: string, answer: any) {
  const block = document.querySelector<HTMLElement>(`[data-answer-block="${CSS.escape(name)}"]`)
  if (!block) return
  const field = (key: string | undefined) => (key ? answer?.[key] : undefined)
  block.querySelectorAll<HTMLElement>('[data-answer]').forEach((node) => {
    node.textContent = String(field(node.dataset.answer) ?? '')
  })
  block.querySelectorAll<HTMLImageElement>('img[data-answer-image]').forEach((img) => {
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(String(field(img.dataset.answerImage) ?? ''))}`
  })
  block.querySelectorAll<HTMLElement>('[data-answer-time]').forEach((node) => {
    const at = Date.parse(String(field(node.dataset.answerTime)))
    node.textContent = Number.isNaN(at) ? '' : chinaTime(at)
  })
  block.querySelectorAll<HTMLElement>('[data-answer-countdown]').forEach((node) => {
    const at = Date.parse(String(field(node.dataset.answerCountdown)))
    const tick = () => {
      const left = Math.max(0, Math.ceil((at - Date.now()) / 1000))
      node.dataset.secondsLeft = String(left)
      node.textContent =
        left > 0
          ? (node.dataset.left ?? '')
              .replace('{m}', String(Math.floor(left / 60)))
              .replace('{s}', String(left % 60).padStart(2, '0'))
          : (node.dataset.over ?? '')
      if (left === 0) clearInterval(timer)
    }
    // A second answer in the same block: the first countdown stops.
    clearInterval(Number(node.dataset.timer))
    const timer = setInterval(tick, 1000)
    node.dataset.timer = String(timer)
    tick()
  })
  block.querySelectorAll<HTMLTemplateElement>('template[data-answer-list]').forEach((template) => {
    const items = field(template.dataset.answerList)
    const list = template.parentElement!
    for (const old of Array.from(list.children)) if (old !== template) old.remove()
    for (const item of Array.isArray(items) ? items : []) {
      const copy = template.content.cloneNode(true) as DocumentFragment
      copy.querySelectorAll<HTMLElement>('[data-answer]').forEach((node) => {
        node.textContent = String(item?.[node.dataset.answer!] ?? '')
      })
      list.append(copy)
    }
  })
  block.hidden = false
  block.scrollIntoView({ block: 'start' })
  block.focus({ preventScroll: true })
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
            el('option', { value: r.code }, `${r.full_name} · ${word(r.risk_level)}`),
          ),
        )
      }, 200)
    }),
  )
}

document.querySelector('[data-print]')?.addEventListener('click', () => window.print())
