import { el, i18n, serverNow, word } from './common.ts'
import { deviceApi } from './device.ts'
import { nextStepsOfEvents, stepEvent, type NextStep } from '../../loops/next-steps.ts'
import { enqueue, flush, type FlushReport } from './scan-queue.ts'
import { fill, placeName, places, time } from './scan-text.ts'
import { parsePlate } from '../../vehicles/plate.ts'

// The loop panel of the scan page: the loop's summary, the buttons its state allows (the server's
// rules, loops/next-steps.ts over loops/fold.ts, bundled), and its records. Every event is queued
// and uploaded at once when online; then the loop is read again, so the summary follows each event.
// Offline the page folds the events it knows (the arrival and what it recorded) for the buttons.

export interface LoopEventView {
  id: string
  kind: string
  at: string
  checkpoint_code: string
  data: Record<string, unknown> | null
  flag?: string | null
  corrected?: boolean
  /** Recorded here and not yet confirmed by the server; `rejected` when it refused it. */
  local?: boolean
  rejected?: boolean
}

interface Current {
  loopId?: string
  pendingScanId?: string
  plate?: string
  /** The pass's destination (a station or a region code): the release list is prefilled from it. */
  passDestination?: string
  state?: string
  alerting?: boolean
  releaseDestination?: string | null
  releaseDeadline?: string | null
  /**
   * The offline verdict stood on stale trust data: a revocation may be missing, so a shown
   * certificate does not spare the sample (never `release` on stale data) and is not offered.
   */
  sampleFirst?: boolean
  events: LoopEventView[]
  /** Receivers the server flagged (`receiver_open_loop`), by `event id:plate`. */
  flaggedReceivers?: Set<string>
}

const t = i18n.t
const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!
const panel = $('[data-loop]')
const summary = $('[data-loop-summary]')
const feedback = $('[data-loop-feedback]')
const stepsBox = $('[data-next-steps]')
const eventList = $('[data-loop-events]')

let current: Current = { events: [] }
/** Which truck the panel shows: a new one for each loop shown, so no input carries over. */
let shown = 0
/** The truck and steps the step controls were drawn for (see renderSteps). */
let drawnSteps = ''
let hooks: { checkpoint: () => string; afterFlush: (report: FlushReport | null) => void } = {
  checkpoint: () => '',
  afterFlush: () => undefined,
}
let undoTimer: ReturnType<typeof setInterval> | undefined

export function setupLoopPanel(h: typeof hooks) {
  hooks = h
}

/** Shows a loop (or none); reads it from the server when it has an id and the page is online. */
export async function showLoop(
  loop: (Omit<Current, 'events'> & { events?: LoopEventView[] }) | null,
) {
  stopUndo()
  feedback.replaceChildren()
  current = loop ? { ...loop, events: loop.events ?? [] } : { events: [] }
  shown += 1
  panel.hidden = !(current.loopId || current.pendingScanId)
  render()
  if (current.loopId && navigator.onLine) await refreshLoop()
}

/** The loop as the server has it now: state, release, records. */
export async function refreshLoop() {
  if (!current.loopId) return
  const id = current.loopId
  const answer = await deviceApi(
    'GET',
    `/api/v1/loops/${encodeURIComponent(id)}?events_limit=200`,
  ).catch(() => null)
  if (!answer?.ok || current.loopId !== id) return
  const loop = answer.json
  current.plate = loop.plate
  current.state = loop.state
  current.alerting = loop.alerting
  current.releaseDestination = loop.destination_code
  current.releaseDeadline = loop.release_deadline
  current.flaggedReceivers = new Set(
    ((loop.receivers ?? []) as { event_id: string; plate: string; flag: string | null }[])
      .filter((r) => r.flag)
      .map((r) => `${r.event_id}:${r.plate}`),
  )
  // Server records, then what is still only on this phone.
  const known = new Set<string>(loop.events.map((e: LoopEventView) => e.id))
  current.events = [
    ...loop.events,
    ...current.events.filter((e) => e.local && !e.rejected && !known.has(e.id)),
  ]
  render()
}

/** A loop id learnt for the pending scan (its upload opened the loop). */
export function loopOpened(scanId: string, loopId: string) {
  if (current.pendingScanId === scanId && !current.loopId) current.loopId = loopId
}

function render() {
  const parts = [
    current.plate ?? '',
    current.state ? `${t.cpLoopState}: ${word(current.state)}` : '',
    current.alerting ? word('alerting') : '',
    current.releaseDestination
      ? `${t.cpReleaseTo} ${placeName(current.releaseDestination)}${current.releaseDeadline ? ` · ${time(current.releaseDeadline)}` : ''}`
      : '',
  ].filter(Boolean)
  summary.textContent = parts.join(' · ')
  summary.dataset.state = current.state ?? ''
  renderSteps()
  renderEvents()
}

function countable() {
  return current.events.filter((e) => !e.rejected)
}

function renderSteps() {
  const steps = nextStepsOfEvents(countable()).filter(
    (step) => !(current.sampleFirst && step === 'certificate_checked'),
  )
  stepsBox.dataset.steps = steps.join(' ')
  // The same truck with the same steps: the controls stay as they are, so what staff are typing
  // (a tube code, a hand-over manifest) survives the loop being read again after an upload.
  const drawing = `${shown}|${stepsBox.dataset.steps}`
  if (drawing === drawnSteps) return
  drawnSteps = drawing
  if (steps.length === 0) {
    stepsBox.replaceChildren(el('p', { class: 'hint' }, t.cpNothingToDo))
    return
  }
  const results = steps.filter((s) => s.includes('_negative') || s.includes('_positive'))
  const nodes: HTMLElement[] = []
  // In the order the steps come; the results side by side where the first of them falls.
  for (const step of steps) {
    if (step === 'sampled') nodes.push(sampleStep())
    else if (step === 'released') nodes.push(releaseStep())
    else if (step === 'handed_over') nodes.push(handoverStep())
    else if (!results.includes(step)) nodes.push(stepButton(step))
    else if (step === results[0])
      nodes.push(el('div', { class: 'grid' }, ...results.map(stepButton)))
  }
  stepsBox.replaceChildren(...nodes)
}

const STEP_LABEL: Record<NextStep, string> = {
  certificate_checked: t.cpCertificate,
  sampled: t.cpSampled,
  antigen_negative: t.cpAntigenNeg,
  antigen_positive: t.cpAntigenPos,
  released: t.cpRelease,
  pcr_negative: t.cpPcrNeg,
  pcr_positive: t.cpPcrPos,
  destination_arrived: t.cpDestArrived,
  handed_over: t.cpHandedOver,
  departed: t.cpDeparted,
}

function stepButton(step: NextStep) {
  const positive = step.endsWith('_positive')
  const button = el(
    'button',
    { type: 'button', class: positive ? 'big danger' : 'big', 'data-step': step },
    STEP_LABEL[step],
  )
  button.addEventListener('click', () => {
    const { kind, result } = stepEvent(step)
    if (positive) return confirmPositive(step)
    void record(kind, result ? { result } : undefined, STEP_LABEL[step])
  })
  return button
}

function sampleStep() {
  const input = el('input', { id: 'tube-code', autocomplete: 'off', 'data-tube-code': '' })
  const error = el('p', { class: 'field-error', id: 'tube-error', role: 'alert' })
  input.setAttribute('aria-describedby', 'tube-error')
  const button = el('button', { type: 'button', class: 'big', 'data-step': 'sampled' }, t.cpSampled)
  button.addEventListener('click', () => {
    const tube = input.value.trim()
    if (!tube) {
      error.textContent = t.cpTubeNeeded
      input.setAttribute('aria-invalid', 'true')
      return input.focus()
    }
    void record('sampled', { tube_code: tube, tests: ['pcr', 'antigen'] }, t.cpSampled)
  })
  return el(
    'div',
    { class: 'field' },
    el('label', { for: 'tube-code' }, t.cpTubeCode),
    input,
    error,
    button,
  )
}

/** The release: where to, from the list of station gates and destinations, prefilled from the pass. */
function releaseStep() {
  const select = el('select', { id: 'release-to', 'data-release-to': '' })
  const prefill = destinationFor(current.passDestination)
  for (const d of places.destinations) {
    const option = el('option', { value: d.code }, d.name)
    if (d.code === prefill) option.selected = true
    select.append(option)
  }
  const button = el(
    'button',
    { type: 'button', class: 'big', 'data-step': 'released' },
    t.cpRelease,
  )
  button.addEventListener('click', () =>
    record(
      'released',
      { destination_code: select.value },
      `${t.cpRelease} → ${placeName(select.value)}`,
    ),
  )
  return el(
    'div',
    { class: 'field' },
    el('label', { for: 'release-to' }, t.cpReleaseTo),
    select,
    button,
  )
}

/** Most receiving vehicles one hand-over names (as the server takes). */
const MAX_RECEIVERS = 20

/**
 * The hand-over manifest: to which local vehicles the load went — plate, pieces, an optional
 * seal — one vehicle or more. Checked here as the server checks it (the same plate rule, bundled).
 */
function handoverStep() {
  const list = el('div', { 'data-receivers': '' })
  const error = el('p', { class: 'field-error', id: 'handover-error', role: 'alert' })
  const add = el('button', { type: 'button', class: 'secondary', 'data-add-receiver': '' })
  add.textContent = t.hoAddVehicle
  const addVehicle = () => {
    const n = list.children.length
    if (n >= MAX_RECEIVERS) return
    const id = (name: string) => `receiver-${n}-${name}`
    const input = (name: string, attrs: Record<string, string>) =>
      el('input', {
        id: id(name),
        autocomplete: 'off',
        'aria-describedby': 'handover-error',
        ...attrs,
      })
    const box = el(
      'fieldset',
      { 'data-receiver': '' },
      el('legend', {}, fill(t.hoVehicleN, { n: n + 1 })),
      el('label', { for: id('plate') }, t.hoReceivingPlate),
      input('plate', { 'data-receiver-plate': '', maxlength: '20' }),
      el('label', { for: id('pieces') }, t.hoPieces),
      input('pieces', {
        'data-receiver-pieces': '',
        type: 'number',
        min: '1',
        step: '1',
        inputmode: 'numeric',
      }),
      el('label', { for: id('seal') }, t.hoSealOptional),
      input('seal', { 'data-receiver-seal': '', maxlength: '32' }),
    )
    list.append(box)
    add.hidden = list.children.length >= MAX_RECEIVERS
    if (n > 0) box.querySelector('input')?.focus()
  }
  add.addEventListener('click', addVehicle)
  addVehicle()
  const refuse = (field: HTMLInputElement, text: string) => {
    error.textContent = text
    field.setAttribute('aria-invalid', 'true')
    field.focus()
  }
  const button = el(
    'button',
    { type: 'button', class: 'big', 'data-step': 'handed_over' },
    t.hoRecord,
  )
  button.addEventListener('click', () => {
    error.textContent = ''
    const receivers: { plate: string; pieces: number; seal_number?: string }[] = []
    const boxes = Array.from(list.querySelectorAll<HTMLElement>('[data-receiver]'))
    for (const [i, box] of boxes.entries()) {
      const field = (name: string) =>
        box.querySelector<HTMLInputElement>(`[data-receiver-${name}]`)!
      const [plateField, piecesField, sealField] = [field('plate'), field('pieces'), field('seal')]
      for (const f of [plateField, piecesField, sealField]) f.removeAttribute('aria-invalid')
      // A vehicle added and left empty is left out (the first one is always asked for).
      if (i > 0 && !plateField.value.trim() && !piecesField.value.trim() && !sealField.value.trim())
        continue
      const plate = parsePlate(plateField.value)
      if (!plate) return refuse(plateField, t.hoPlateNeeded)
      const pieces = Number(piecesField.value)
      if (!piecesField.value.trim() || !Number.isInteger(pieces) || pieces < 1)
        return refuse(piecesField, t.hoPiecesNeeded)
      const seal = sealField.value.trim()
      if (seal.length > 32) return refuse(sealField, t.hoSealTooLong)
      receivers.push({ plate, pieces, ...(seal ? { seal_number: seal } : {}) })
    }
    void record('handed_over', { receivers }, t.cpHandedOver)
  })
  return el(
    'div',
    { class: 'field', 'data-handover': '' },
    el('p', { class: 'hint' }, t.hoFormTitle),
    list,
    add,
    error,
    button,
  )
}

/** The checkpoint the pass's destination means: its station's gate, or a destination in its region. */
function destinationFor(code: string | undefined) {
  if (!code) return undefined
  const list = places.destinations
  return (
    list.find((d) => d.code === code)?.code ??
    list.find((d) => d.station_code === code)?.code ??
    list.find((d) => d.region_code === code)?.code
  )
}

/** A positive result is asked for twice: it holds the truck and raises an alert at once. */
function confirmPositive(step: NextStep) {
  stopUndo()
  const label = STEP_LABEL[step]
  const yes = el(
    'button',
    { type: 'button', class: 'big danger', 'data-confirm-positive': '' },
    t.cpConfirmPositiveYes,
  )
  const no = el('button', { type: 'button', class: 'big secondary' }, t.cpCancel)
  const box = el(
    'div',
    { class: 'notice', role: 'alertdialog', 'aria-labelledby': 'confirm-text' },
    el('p', { id: 'confirm-text' }, fill(t.cpConfirmPositive, { kind: label })),
    el('div', { class: 'grid' }, yes, no),
  )
  yes.addEventListener('click', async () => {
    const { kind, result } = stepEvent(step)
    const id = await record(kind, { result }, label)
    if (id) offerUndo(id, label)
  })
  no.addEventListener('click', () => feedback.replaceChildren())
  feedback.replaceChildren(box)
  yes.focus()
}

/** For a minute after a positive was recorded: withdraw it (`result_corrected`, audited). */
function offerUndo(eventId: string, label: string) {
  const recorded = current.events.find((e) => e.id === eventId)
  if (!recorded || recorded.rejected) return
  const button = el('button', { type: 'button', class: 'big secondary', 'data-undo': '' })
  const tick = () => {
    const left = 60 - Math.floor((serverNow().getTime() - Date.parse(recorded.at)) / 1000)
    if (left <= 0) return stopUndo()
    button.textContent = fill(t.cpUndo, { s: left })
  }
  button.addEventListener('click', async () => {
    stopUndo()
    const id = await record(
      'result_corrected',
      { event_id: eventId },
      fill(t.cpUndone, { kind: label }),
    )
    if (id) say(fill(t.cpUndone, { kind: label }), 'done')
  })
  tick()
  undoTimer = setInterval(tick, 1000)
  feedback.append(button)
}

function stopUndo() {
  if (undoTimer) clearInterval(undoTimer)
  undoTimer = undefined
  feedback.querySelector('[data-undo]')?.remove()
}

function say(text: string, tone: 'done' | 'notice' | 'errors') {
  const style = tone === 'done' ? 'feedback-ok' : tone
  feedback.replaceChildren(
    el(
      'p',
      { class: style, role: tone === 'errors' ? 'alert' : 'status', 'data-feedback': tone },
      text,
    ),
  )
}

/**
 * Records one event: queued on the phone, uploaded at once when online, then the loop is read
 * again. Says what happened: recorded, questioned (the server's flag in words), refused, or kept
 * on the phone. Returns the event's id unless the server refused it.
 */
async function record(kind: string, data: Record<string, unknown> | undefined, label: string) {
  const loopId =
    current.loopId ?? (current.pendingScanId ? `pending:${current.pendingScanId}` : undefined)
  if (!loopId) return undefined
  const event: LoopEventView = {
    id: crypto.randomUUID(),
    kind,
    at: serverNow().toISOString(),
    checkpoint_code: hooks.checkpoint(),
    data: data ?? null,
    local: true,
  }
  await enqueue({
    type: 'event',
    event: {
      id: event.id,
      loop_id: loopId,
      kind,
      at: event.at,
      checkpoint_code: event.checkpoint_code,
      ...(data ? { data } : {}),
    },
  })
  current.events.push(event)
  render()
  const report = navigator.onLine ? await flush() : null
  hooks.afterFlush(report)
  const outcome = report?.events.get(event.id)
  if (!outcome) say(fill(t.cpQueuedLocal, { kind: label }), 'notice')
  else if (outcome.status === 'rejected') {
    event.rejected = true
    say(fill(t.cpRejected, { reason: word(outcome.error?.code ?? 'invalid_event') }), 'errors')
  } else if (outcome.flag) say(fill(t.cpFlagged, { reason: word(outcome.flag) }), 'notice')
  else say(fill(t.cpRecorded, { kind: label }), 'done')
  if (outcome) await refreshLoop()
  else render()
  return event.rejected ? undefined : event.id
}

function renderEvents() {
  if (current.events.length === 0) {
    eventList.replaceChildren(el('li', { class: 'hint' }, t.cpNoEvents))
    return
  }
  eventList.replaceChildren(
    ...current.events.map((e) => {
      const result = typeof e.data?.result === 'string' ? ` · ${word(e.data.result)}` : ''
      const withdrawn = e.corrected ? ` ${t.cpWithdrawn}` : ''
      const item = el(
        'li',
        { 'data-event-kind': e.kind, ...(e.corrected ? { class: 'withdrawn' } : {}) },
        el('strong', {}, `${word(e.kind)}${result}${withdrawn}`),
        ' ',
        el(
          'span',
          { class: 'hint' },
          fill(t.cpAt, { time: time(e.at), place: placeName(e.checkpoint_code) }),
        ),
      )
      // A hand-over's receivers: plate × pieces (and seal), a flagged one marked.
      const receivers = Array.isArray(e.data?.receivers)
        ? (e.data.receivers as { plate: string; pieces: number; seal_number?: string }[])
        : []
      for (const r of receivers) {
        item.append(
          ' · ',
          el('span', { class: 'data', lang: 'zh-CN' }, r.plate),
          ` × ${r.pieces}`,
          ...(r.seal_number ? [' ', el('span', { class: 'data' }, r.seal_number)] : []),
        )
        if (current.flaggedReceivers?.has(`${e.id}:${r.plate}`))
          item.append(
            ' ',
            el(
              'span',
              { class: 'badge', 'data-flag': 'receiver_open_loop' },
              word('receiver_open_loop'),
            ),
          )
      }
      if (e.flag)
        item.append(' ', el('span', { class: 'badge', 'data-flag': e.flag }, word(e.flag)))
      if (e.rejected)
        item.append(' ', el('span', { class: 'badge' }, fill(t.cpRejected, { reason: '' })))
      return item
    }),
  )
}
