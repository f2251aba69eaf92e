import jsQR from 'jsqr'
import { get, set } from 'idb-keyval'
import { api, el, i18n, serverNow, word } from './common.ts'
import { normalisePlate } from '../../vehicles/plate.ts'
import { verifyOffline, type TrustMaterial } from './verify-offline.ts'

// The checkpoint scan page. Online it asks the server; offline it verifies the token itself with
// the keys and revocation list kept from the last time it was online, and queues the scan and the
// loop events in IndexedDB. The queue uploads in order when the network is back: scans first (a
// scan made offline opens its loop then), then events, whose UUIDs make a repeated upload harmless.

type QueueItem =
  | { type: 'scan'; body: Record<string, unknown> }
  | { type: 'event'; event: Record<string, unknown> }

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!
const checkpointSelect = $<HTMLSelectElement>('[data-checkpoint]')
const result = $('[data-result]')
const actions = $('[data-loop-actions]')
const queueCount = $('[data-queue-count]')
const networkLabel = $('[data-network]')
const eventLog = $('[data-event-log]')
let current: { loopId?: string; pendingScanId?: string; plate?: string } = {}
let flushing = false

const checkpoint = () => checkpointSelect.value
const isEntry = () =>
  ['highway_exit', 'road'].includes(checkpointSelect.selectedOptions[0]?.dataset.kind ?? '')
// Device times by the server's clock as last seen: a phone set wrong still records true times.
const nowIso = () => serverNow().toISOString()

async function queue(): Promise<QueueItem[]> {
  return (await get<QueueItem[]>('tx-queue')) ?? []
}
async function saveQueue(items: QueueItem[]) {
  await set('tx-queue', items)
  queueCount.textContent = String(items.length)
}
async function enqueue(item: QueueItem) {
  await saveQueue([...(await queue()), item])
}

function showNetwork() {
  networkLabel.textContent = navigator.onLine ? i18n.t.online : i18n.t.offlineNow
  networkLabel.dataset.state = navigator.onLine ? 'online' : 'offline'
}

/** Keys, trust list and the signed revocation list, refreshed whenever the page is online. */
async function refreshTrust() {
  try {
    const [jwks, issuers, revocations] = await Promise.all([
      fetch('/.well-known/jwks.json').then((r) => r.json()),
      api('GET', '/api/v1/trust/issuers'),
      api('GET', '/api/v1/trust/revocations'),
    ])
    if (!issuers.ok || !revocations.ok) return
    const trust: TrustMaterial = {
      issuer: revocations.json.issuer_code,
      jwks,
      issuers: issuers.json,
      revocations: revocations.json,
    }
    await set('tx-trust', trust)
  } catch {
    // Offline: keep what we have.
  }
}

function renderVerdict(
  answer: {
    verdict: string
    reasons: string[]
    action: string
    flags?: string[]
    warnings?: string[]
    pass?: { number: string; plate: string; valid_until: string }
    receipt?: { status: string }
    arrival_report?: { status: string }
  },
  offline: boolean,
) {
  const valid = answer.verdict === 'valid'
  const reasons = [...answer.reasons, ...(answer.flags ?? []), ...(answer.warnings ?? [])]
  result.replaceChildren(
    el(
      'div',
      {
        class: `verdict ${valid ? 'valid' : 'invalid'}`,
        'data-verdict': answer.verdict,
        role: 'status',
      },
      el(
        'p',
        { class: 'headline' },
        `${valid ? '✔' : '✖'} ${valid ? i18n.t.valid : i18n.t.invalid}`,
      ),
      el('p', { class: 'action', 'data-action': answer.action }, word(answer.action)),
      ...(answer.pass ? [el('p', {}, `${answer.pass.plate} · ${answer.pass.number}`)] : []),
      ...(reasons.length
        ? [
            el(
              'ul',
              { 'data-reasons': reasons.join(' ') },
              ...reasons.map((r) => el('li', {}, word(r))),
            ),
          ]
        : []),
      ...(answer.receipt && answer.receipt.status !== 'valid'
        ? [el('p', {}, word(answer.receipt.status))]
        : []),
      ...(offline ? [el('p', { class: 'notice', 'data-offline': '' }, i18n.t.offline)] : []),
    ),
  )
}

function showLoop(
  loop: { loopId?: string; pendingScanId?: string; plate?: string },
  state?: string,
) {
  current = loop
  actions.hidden = !(loop.loopId || loop.pendingScanId)
  $('[data-loop-summary]').textContent =
    `${i18n.t.loop}: ${loop.plate ?? ''} ${state ? `· ${word(state)}` : ''}`
}

async function scanToken(
  fields: { token?: string; pass_number?: string },
  observedPlate: string | null,
) {
  const body = {
    id: crypto.randomUUID(),
    ...fields,
    checkpoint_code: checkpoint(),
    observed_plate: observedPlate || undefined,
    scanned_at: nowIso(),
  }
  if (navigator.onLine) {
    try {
      const answer = await api('POST', '/api/v1/scans', body)
      if (answer.ok) {
        renderVerdict(answer.json, false)
        showLoop(
          { loopId: answer.json.loop?.id, plate: answer.json.pass?.plate },
          answer.json.loop?.state,
        )
        return
      }
      result.replaceChildren(
        el(
          'p',
          { class: 'errors', role: 'alert' },
          answer.json?.error?.message ?? `HTTP ${answer.status}`,
        ),
      )
      return
    } catch {
      // The network went away mid-request: fall through to the offline path.
    }
  }
  const trust = await get<TrustMaterial>('tx-trust')
  if (!fields.token || !trust) {
    result.replaceChildren(el('p', { class: 'errors', role: 'alert' }, `${i18n.t.offlineNow}`))
    return
  }
  const verdict = await verifyOffline(fields.token, trust, observedPlate, serverNow())
  renderVerdict(verdict, true)
  await enqueue({ type: 'scan', body })
  showLoop(
    verdict.verdict === 'valid' && isEntry()
      ? { pendingScanId: body.id, plate: verdict.pass?.plate }
      : {},
  )
}

/** Uploads the queue in order; stops at the first network failure and keeps the rest. */
async function flush() {
  if (flushing || !navigator.onLine) return
  flushing = true
  try {
    let items = await queue()
    const loopsByScan: Record<string, string> = (await get('tx-loops-by-scan')) ?? {}
    while (items.length > 0) {
      const item = items[0]
      if (item.type === 'scan') {
        const answer = await api('POST', '/api/v1/scans', item.body)
        if (answer.status >= 500) break
        // The phone's clock is ahead of the server's: keep the scan until real time catches up
        // with it (it is accepted then), and tell the officer to fix the clock. Never drop it.
        if (answer.json?.error?.code === 'scanned_at_in_future') {
          showClockNotice()
          break
        }
        if (answer.json?.loop?.id) loopsByScan[String(item.body.id)] = answer.json.loop.id
        if (current.pendingScanId === item.body.id && answer.json?.loop?.id)
          current.loopId = answer.json.loop.id
        items = items.slice(1)
      } else {
        const batch: Record<string, unknown>[] = []
        while (items[batch.length]?.type === 'event' && batch.length < 500) {
          const event = { ...(items[batch.length] as { event: Record<string, unknown> }).event }
          const ref = String(event.loop_id)
          if (ref.startsWith('pending:')) event.loop_id = loopsByScan[ref.slice(8)] ?? ref
          batch.push(event)
        }
        const answer = await api('POST', '/api/v1/events', { events: batch })
        if (answer.status >= 500) break
        // Events dated ahead of the server (a fast phone clock) stay queued for a later upload.
        const results: { id: string; error?: { code: string } }[] = answer.json?.results ?? []
        const early = new Set(
          results.filter((r) => r.error?.code === 'time_in_future').map((r) => r.id),
        )
        const kept = batch
          .filter((event) => early.has(String(event.id)))
          .map((event) => ({ type: 'event' as const, event }))
        items = [...kept, ...items.slice(batch.length)]
        if (kept.length > 0) {
          showClockNotice()
          await saveQueue(items)
          break
        }
      }
      await set('tx-loops-by-scan', loopsByScan)
      await saveQueue(items)
    }
  } catch {
    // Network gone again: the rest stays queued.
  } finally {
    flushing = false
    queueCount.textContent = String((await queue()).length)
  }
}

function showClockNotice() {
  result.append(
    el('p', { class: 'notice', role: 'alert', 'data-clock-ahead': '' }, i18n.t.clockAhead),
  )
}

async function recordEvent(kind: string, data?: Record<string, unknown>) {
  const loopId =
    current.loopId ?? (current.pendingScanId ? `pending:${current.pendingScanId}` : undefined)
  if (!loopId) return
  await enqueue({
    type: 'event',
    event: {
      id: crypto.randomUUID(),
      loop_id: loopId,
      kind,
      at: nowIso(),
      checkpoint_code: checkpoint(),
      ...(data ? { data } : {}),
    },
  })
  eventLog.textContent = `${word(kind)} ✓ ${serverNow().toLocaleTimeString()}`
  await flush()
}

for (const button of Array.from(document.querySelectorAll<HTMLButtonElement>('[data-event]'))) {
  button.addEventListener('click', () => {
    const kind = button.dataset.event!
    if (kind === 'sampled') {
      const tube = $<HTMLInputElement>('[data-tube-code]').value.trim()
      if (!tube) return $<HTMLInputElement>('[data-tube-code]').focus()
      return recordEvent(kind, { tube_code: tube, tests: ['pcr', 'antigen'] })
    }
    if (kind === 'released') {
      const destination = $<HTMLInputElement>('[data-dest-code]').value.trim().toUpperCase()
      if (!destination) return $<HTMLInputElement>('[data-dest-code]').focus()
      return recordEvent(kind, { destination_code: destination })
    }
    if (button.dataset.resultValue) return recordEvent(kind, { result: button.dataset.resultValue })
    return recordEvent(kind)
  })
}

// Typed input: a 12-digit pass number is checked like a scan; a plate finds the vehicle's open loop.
$('[data-typed]').addEventListener('submit', async (event) => {
  event.preventDefault()
  const typed = $<HTMLInputElement>('[data-typed-input]').value.trim()
  const observed = $<HTMLInputElement>('[data-observed-plate]').value.trim() || null
  if (/^\d{12}$/.test(typed)) return scanToken({ pass_number: typed }, observed)
  if (typed.split('.').length === 3) return scanToken({ token: typed }, observed)
  const plate = normalisePlate(typed)
  const loops = await api('GET', `/api/v1/loops?state=open&plate=${encodeURIComponent(plate)}`)
  if (loops.ok && loops.json.length > 0) {
    result.replaceChildren(el('p', { class: 'notice' }, `${plate} · ${word(loops.json[0].state)}`))
    return showLoop({ loopId: loops.json[0].id, plate }, loops.json[0].state)
  }
  const open = el('button', { type: 'button', class: 'big danger' }, i18n.t.manualOpen)
  open.addEventListener('click', async () => {
    const answer = await api('POST', '/api/v1/loops', { plate, checkpoint_code: checkpoint() })
    if (answer.ok) {
      renderVerdict(answer.json, false)
      showLoop({ loopId: answer.json.loop.id, plate }, answer.json.loop.state)
    } else
      result.replaceChildren(
        el('p', { class: 'errors', role: 'alert' }, answer.json?.error?.message ?? ''),
      )
  })
  result.replaceChildren(el('p', {}, `${plate}: ${word('no_open_loop')}`), open)
})

// Camera: BarcodeDetector where the browser has it, jsQR otherwise.
const video = $<HTMLVideoElement>('[data-video]')
const canvas = $<HTMLCanvasElement>('[data-canvas]')
let stream: MediaStream | null = null
let lastToken = ''

async function startCamera() {
  stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: 'environment' },
    audio: false,
  })
  video.srcObject = stream
  video.hidden = false
  await video.play()
  $('[data-start-camera]').hidden = true
  $('[data-stop-camera]').hidden = false
  const Detector = (
    window as unknown as {
      BarcodeDetector?: new (o: object) => {
        detect(s: CanvasImageSource): Promise<{ rawValue: string }[]>
      }
    }
  ).BarcodeDetector
  const detector = Detector ? new Detector({ formats: ['qr_code'] }) : null
  const context = canvas.getContext('2d', { willReadFrequently: true })!
  const tick = async () => {
    if (!stream) return
    if (video.readyState >= 2 && video.videoWidth > 0) {
      canvas.width = video.videoWidth
      canvas.height = video.videoHeight
      context.drawImage(video, 0, 0)
      let text: string | undefined
      if (detector) text = (await detector.detect(canvas).catch(() => []))[0]?.rawValue
      else
        text = jsQR(
          context.getImageData(0, 0, canvas.width, canvas.height).data,
          canvas.width,
          canvas.height,
        )?.data
      if (text && text !== lastToken) {
        lastToken = text
        stopCamera()
        await scanToken(
          { token: text },
          $<HTMLInputElement>('[data-observed-plate]').value.trim() || null,
        )
        return
      }
    }
    setTimeout(tick, 200)
  }
  void tick()
}

function stopCamera() {
  stream?.getTracks().forEach((track) => track.stop())
  stream = null
  video.hidden = true
  $('[data-start-camera]').hidden = false
  $('[data-stop-camera]').hidden = true
}

$('[data-start-camera]').addEventListener('click', () => {
  lastToken = ''
  startCamera().catch((error) =>
    result.replaceChildren(el('p', { class: 'errors', role: 'alert' }, String(error))),
  )
})
$('[data-stop-camera]').addEventListener('click', stopCamera)

window.addEventListener('online', () => {
  showNetwork()
  void refreshTrust().then(flush)
})
window.addEventListener('offline', showNetwork)
// Retry what is still queued (a server error, or records dated ahead of the server's clock).
setInterval(() => {
  if (queueCount.textContent !== '0') void flush()
}, 20_000)
showNetwork()
void queue().then((items) => (queueCount.textContent = String(items.length)))
void refreshTrust().then(flush)
if ('serviceWorker' in navigator)
  navigator.serviceWorker.register('/ui/sw.js', { scope: '/ui/' }).catch(() => undefined)
