import jsQR from 'jsqr'
import { el, i18n, serverNow, useTrustedClock, word } from './common.ts'
import {
  currentDevice,
  deviceApi,
  enrol,
  isEnrolmentText,
  isRevokedAnswer,
  keptForReviewCount,
  loadDevice,
  onRevoked,
  wipeDevice,
  type DeviceRecord,
} from './device.ts'
import { normalisePlate, parsePlate } from '../../vehicles/plate.ts'
import { listedOffline, verifyOffline, type OfflineTrust } from './verify-offline.ts'
import { enqueue, flush, onQueueCount, queue, type FlushReport } from './scan-queue.ts'
import {
  ago,
  listedView,
  notFoundView,
  scanQrView,
  verdictView,
  type ScanView,
} from './scan-verdict.ts'
import { loopOpened, refreshLoop, setupLoopPanel, showLoop } from './scan-loop.ts'
import { fill, places } from './scan-text.ts'
import {
  keepClock,
  offlineMaterial,
  onTrustChange,
  startTrust,
  trustNow,
  trustSummary,
} from './scan-trust.ts'

// The checkpoint scan page. Online it asks the server; offline it verifies the token itself with
// the trust bundle kept from the last time it was online (scan-trust.ts: every issuer's keys and
// status list, polled every minute at most), says how old that data is, and queues the scan and
// the loop events in IndexedDB (scan-queue.ts). The verdict is put right under the input and
// scrolled into view; the loop panel (scan-loop.ts) follows it.
//
// Enrolled as a device (client/device.ts) it signs every upload; told the device is revoked, it
// hands over what is queued, then wipes itself (see `retire`).

const t = i18n.t
const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!
const checkpointSelect = $<HTMLSelectElement>('[data-checkpoint]')
const result = $('[data-result]')
const queueCount = $('[data-queue-count]')
const networkLabel = $('[data-network]')
const trustLabel = $('[data-trust-status]')
const uploadedLabel = $('[data-uploaded]')
const typedInput = $<HTMLInputElement>('[data-typed-input]')
const inputError = $('[data-input-error]')

const checkpoint = () => checkpointSelect.value
const isEntry = () =>
  ['highway_exit', 'road'].includes(checkpointSelect.selectedOptions[0]?.dataset.kind ?? '')
// Device times by the trust clock (the server's time at the last sync plus the phone's monotonic
// elapsed time): a phone set wrong, or set back, still records true times and judges passes by them.
useTrustedClock(trustNow)
const nowIso = () => serverNow().toISOString()

// The officer's checkpoint, remembered on this phone (works offline: localStorage).
const CHECKPOINT_KEY = 'tx-checkpoint'
function rememberCheckpoint() {
  try {
    localStorage.setItem(CHECKPOINT_KEY, checkpoint())
  } catch {
    // Private mode: remembered for this page only.
  }
  showCheckpoint()
}
function restoreCheckpoint() {
  let saved: string | null = null
  try {
    saved = localStorage.getItem(CHECKPOINT_KEY)
  } catch {
    saved = null
  }
  if (saved && Array.from(checkpointSelect.options).some((o) => o.value === saved))
    checkpointSelect.value = saved
  showCheckpoint()
}
function showCheckpoint() {
  const code = checkpoint()
  const known = places.checkpoints[code]
  $('[data-checkpoint-name]').textContent = known?.name ?? code
  $('[data-checkpoint-kind]').textContent = known ? word(known.kind) : ''
  $('[data-checkpoint-code]').textContent = code
}
checkpointSelect.addEventListener('change', rememberCheckpoint)

onQueueCount((n) => (queueCount.textContent = String(n)))

function showNetwork() {
  networkLabel.textContent = navigator.onLine ? t.online : t.offlineNow
  networkLabel.dataset.state = navigator.onLine ? 'online' : 'offline'
}

/** Under the network state, small: how old the revocation list kept on this phone is. */
function showTrustAge() {
  const summary = trustSummary()
  trustLabel.dataset.freshness = summary?.freshness ?? 'none'
  trustLabel.textContent = !summary
    ? t.cpTrustNeverSynced
    : summary.unusable
      ? t.cpTrustUnusable
      : `${summary.freshness === 'fresh' ? '' : '⚠ '}${fill(t.cpListUpdated, { ago: ago(summary.ageSeconds) })}`
}
onTrustChange(showTrustAge)

/** Puts the verdict where the officer is looking: under the input, scrolled into view. */
function showResult(...nodes: (Node | string)[]) {
  result.replaceChildren(...nodes)
  result.focus({ preventScroll: true })
  result.scrollIntoView({ block: 'start', behavior: 'smooth' })
}

function inputProblem(text: string) {
  inputError.textContent = text
  typedInput.setAttribute('aria-invalid', 'true')
  typedInput.focus()
}
function clearInputProblem() {
  inputError.textContent = ''
  typedInput.removeAttribute('aria-invalid')
}

/** After an upload: say how many records went, learn the loops the scans opened. */
function afterFlush(report: FlushReport | null) {
  if (!report) return
  for (const [scanId, loopId] of Object.entries(report.loopsByScan)) loopOpened(scanId, loopId)
  if (report.uploaded > 0) uploadedLabel.textContent = fill(t.cpUploaded, { n: report.uploaded })
  if (report.clockAhead) showClockNotice()
}
setupLoopPanel({ checkpoint, afterFlush })

async function upload() {
  const report = await flush()
  afterFlush(report)
  if (report && report.uploaded > 0) await refreshLoop()
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
      const answer = await deviceApi('POST', '/api/v1/scans', body)
      // Revoked: the page hands over its queue and wipes itself (retire); nothing to show here.
      if (isRevokedAnswer(answer.status, answer.json)) return
      if (answer.ok) {
        const view = answer.json as ScanView & {
          loop?: { id: string; state: string }
          pass?: { destination_code: string }
        }
        // A typed number the server does not know is answered `malformed`: 查无此证.
        if (fields.pass_number && !view.pass && view.reasons.includes('malformed')) {
          showResult(notFoundView())
          return showLoop(null)
        }
        showResult(verdictView(view, null))
        return showLoop(
          view.loop
            ? {
                loopId: view.loop.id,
                plate: view.pass?.plate,
                state: view.loop.state,
                passDestination: view.pass?.destination_code,
              }
            : null,
        )
      }
      showResult(
        el('p', { class: 'errors', role: 'alert' }, answer.json?.error?.message ?? t.requestFailed),
      )
      return
    } catch {
      // The network went away mid-request: fall through to the offline path.
    }
  }
  const trust = await offlineMaterial()
  if (!trust) return showResult(el('p', { class: 'errors', role: 'alert' }, t.cpTrustNone))
  void keepClock()
  if (!fields.token) return typedOffline(fields.pass_number ?? '', trust)
  const verdict = await verifyOffline(fields.token, trust, observedPlate, serverNow())
  const view: ScanView = {
    verdict: verdict.verdict,
    pass_status: verdict.passStatus,
    reasons: verdict.reasons,
    action: verdict.action,
    warnings: verdict.warnings,
    ...(verdict.pass
      ? {
          pass: {
            number: verdict.pass.number,
            plate: verdict.pass.plate,
            destination_code: verdict.pass.destination_code,
            origin_region_code: verdict.pass.origin_region_code,
          },
        }
      : {}),
  }
  showResult(verdictView(view, { trust: verdict.trust }))
  await enqueue({ type: 'scan', body })
  const opens = verdict.verdict === 'valid' && isEntry()
  await showLoop(
    opens
      ? {
          pendingScanId: body.id,
          plate: verdict.pass?.plate,
          state: 'arrived',
          passDestination: verdict.pass?.destination_code,
          sampleFirst: verdict.trust.freshness === 'stale',
          // The arrival this scan records when uploaded: the buttons follow from it.
          events: [
            {
              id: body.id,
              kind: 'arrived',
              at: body.scanned_at,
              checkpoint_code: body.checkpoint_code,
              data: null,
              local: true,
            },
          ],
        }
      : null,
  )
}

/**
 * Offline, a typed number: its issuer's status list decides it when the pass's bit is set; the
 * page has no token to verify otherwise, so it says to scan the QR.
 */
function typedOffline(number: string, trust: OfflineTrust) {
  const listed = listedOffline(number, trust)
  void showLoop(null)
  if (listed.status) return showResult(listedView(listed.status, listed.trust))
  return showResult(scanQrView(listed.trust))
}

function showClockNotice() {
  if (result.querySelector('[data-clock-ahead]')) return
  result.append(el('p', { class: 'notice', role: 'alert', 'data-clock-ahead': '' }, t.clockAhead))
}

// Typed input: a 12-digit pass number is checked like a scan; a plate finds the vehicle's open
// loop. Empty or malformed input is an input error at the input, never a server call.
$('[data-typed]').addEventListener('submit', async (event) => {
  event.preventDefault()
  clearInputProblem()
  const typed = typedInput.value.trim()
  const observed = $<HTMLInputElement>('[data-observed-plate]').value.trim() || null
  if (!typed) return inputProblem(t.cpInputEmpty)
  if (/^\d{12}$/.test(typed)) return scanToken({ pass_number: typed }, observed)
  if (typed.split('.').length === 3) return scanToken({ token: typed }, observed)
  const plate = parsePlate(typed)
  if (!plate) return inputProblem(t.cpInputMalformed)
  if (!navigator.onLine) return showResult(scanQrView())
  const loops = await deviceApi(
    'GET',
    `/api/v1/loops?state=open&plate=${encodeURIComponent(plate)}`,
  )
  if (loops.ok && loops.json.length > 0) {
    const loop = loops.json[0]
    showResult(
      el(
        'div',
        { class: 'verdict warn', 'data-verdict': 'open_loop', role: 'status' },
        el('p', { class: 'headline' }, `${plate} · ${t.cpOpenLoopFound}`),
        el('p', {}, word(loop.state)),
      ),
    )
    return showLoop({ loopId: loop.id, plate, state: loop.state })
  }
  const open = el('button', { type: 'button', class: 'big danger' }, t.manualOpen)
  open.addEventListener('click', async () => {
    const answer = await deviceApi('POST', '/api/v1/loops', {
      plate,
      checkpoint_code: checkpoint(),
    })
    if (answer.ok) {
      showResult(verdictView(answer.json, null))
      await showLoop({ loopId: answer.json.loop.id, plate, state: answer.json.loop.state })
    } else
      showResult(
        el('p', { class: 'errors', role: 'alert' }, answer.json?.error?.message ?? t.requestFailed),
      )
  })
  await showLoop(null)
  showResult(
    el(
      'p',
      { class: 'notice', 'data-verdict': 'no_open_loop' },
      `${normalisePlate(plate)} · ${t.cpNoOpenLoop}`,
    ),
    open,
  )
})
typedInput.addEventListener('input', clearInputProblem)

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
        // The coordinator's enrolment QR is a code for this phone, never a pass.
        if (isEnrolmentText(text)) return enrolWith(text)
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
    showResult(el('p', { class: 'errors', role: 'alert' }, String(error))),
  )
})
$('[data-stop-camera]').addEventListener('click', stopCamera)

// The trust module polls again itself when the network comes back; the queue goes up meanwhile.
window.addEventListener('online', () => {
  showNetwork()
  void upload()
})
window.addEventListener('offline', showNetwork)
// The age shown grows while nothing changes (offline, or the bundle unchanged).
setInterval(showTrustAge, 30_000)
// Retry what is still queued (a server error, or records dated ahead of the server's clock).
setInterval(() => {
  if (queueCount.textContent !== '0') void upload()
}, 20_000)
// Enrolment: this phone as a device of its checkpoints.
const enrolSection = $('[data-enrol]')
const enrolInput = $<HTMLInputElement>('[data-enrol-code]')
const enrolError = $('[data-enrol-error]')

function showDevice(device: DeviceRecord | null) {
  enrolSection.hidden = Boolean(device)
  $('[data-device]').hidden = !device
  if (!device) return
  $('[data-device-label]').textContent = device.label
  // Only the checkpoints the device is enrolled for (those the account also works at).
  const allowed = new Set(device.checkpoint_codes)
  const options = Array.from(checkpointSelect.options)
  const mismatch = !options.some((o) => allowed.has(o.value))
  $('[data-device-mismatch]').hidden = !mismatch
  if (!mismatch) for (const option of options) if (!allowed.has(option.value)) option.remove()
  restoreCheckpoint()
}

async function enrolWith(text: string) {
  enrolError.textContent = ''
  enrolInput.removeAttribute('aria-invalid')
  if (!navigator.onLine) return enrolProblem(t.cpEnrolOffline)
  let outcome: Awaited<ReturnType<typeof enrol>>
  try {
    outcome = await enrol(text)
  } catch {
    return enrolProblem(t.cpEnrolFailed)
  }
  if ('invalidCode' in outcome) return enrolProblem(t.cpEnrolCodeInvalid)
  if ('refused' in outcome)
    return enrolProblem(outcome.refused.json?.error?.message ?? t.requestFailed)
  showDevice(outcome.device)
  showResult(
    el(
      'p',
      { class: 'feedback-ok', role: 'status', 'data-enrolled': '' },
      fill(t.cpDeviceEnrolled, { label: outcome.device.label }),
    ),
  )
}

function enrolProblem(text: string) {
  enrolSection.hidden = false
  enrolError.textContent = text
  enrolInput.setAttribute('aria-invalid', 'true')
}

$('[data-enrol-form]').addEventListener('submit', (event) => {
  event.preventDefault()
  void enrolWith(enrolInput.value)
})

// Revoked: first every queued record goes up as it was signed (the server keeps for review
// those signed before the revocation), then the page forgets everything and says so.
let retiring = false
onRevoked(() => {
  if (retiring) return
  retiring = true
  void retire()
})

async function retire() {
  stopCamera()
  await flush().catch(() => null)
  const kept = keptForReviewCount()
  await wipeDevice()
  const main = el(
    'main',
    { id: 'main', class: 'wiped', role: 'alert', 'data-wiped': '' },
    el('h1', {}, t.cpWipedTitle),
    el('p', {}, t.cpWiped),
  )
  if (kept > 0)
    main.append(el('p', { 'data-kept-for-review': String(kept) }, fill(t.cpWipedKept, { n: kept })))
  main.append(el('p', {}, el('a', { class: 'button', href: '/ui/login' }, t.signIn)))
  document.body.replaceChildren(main)
}

restoreCheckpoint()
showNetwork()
void queue().then((items) => (queueCount.textContent = String(items.length)))
showTrustAge()
// The device first: the trust poll and the uploads name it.
void loadDevice()
  .catch(() => null)
  .then((device) => {
    showDevice(device ?? currentDevice())
    return startTrust()
  })
  .then(upload)
if ('serviceWorker' in navigator)
  navigator.serviceWorker.register('/ui/sw.js', { scope: '/ui/' }).catch(() => undefined)
