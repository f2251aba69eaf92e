import { get, set } from 'idb-keyval'
import {
  advanceTrustClock,
  deviceClock,
  resumeTrustClock,
  syncTrustClock,
  trustedNow,
  trustDataAge,
  trustFreshness,
  type TrustClock,
  type TrustFreshness,
} from '../../trust/trust-age.ts'
import {
  acceptBundle,
  confirmBundle,
  decodeKept,
  isStoredTrust,
  offlineTrust,
  pruneDecoded,
  type DecodedLists,
  type StoredTrust,
  type TrustBundleBody,
} from './trust-bundle.ts'
import type { OfflineTrust } from './verify-offline.ts'
import { deviceRetired, noticeAnswer, readHeaders } from './device.ts'

// The scan page's trust data: the bundle polled every `refresh_seconds` (≤ 60) while online with
// If-None-Match, each sync setting the trust clock (trust/trust-age.ts) from the server's time;
// both kept in IndexedDB (`tx-trust`, `tx-trust-clock`) for offline use and reloads. The lists are
// decoded when they arrive or the page loads, never while a verdict waits.

const TRUST_KEY = 'tx-trust'
const CLOCK_KEY = 'tx-trust-clock'
/** Until a bundle says otherwise. */
const DEFAULT_REFRESH_SECONDS = 60

let stored: StoredTrust | undefined
let clock: TrustClock | undefined
const decoded: DecodedLists = new Map()
let ready: Promise<void> = Promise.resolve()
let lead = 0
let timer: ReturnType<typeof setTimeout> | undefined
let polling: Promise<void> | null = null
const listeners: (() => void)[] = []

/**
 * The device's time for the trust clock: monotonic within the page, so changing the phone's clock
 * while the page is open changes nothing (trust-age.ts, deviceClock).
 */
export function deviceNow(): number {
  const reading = deviceClock(performance.timeOrigin + performance.now(), Date.now(), lead)
  lead = reading.lead
  return reading.now
}

/** Now as the page may trust it (ms), or null before the first sync ever. */
export function trustNow(): number | null {
  return clock ? trustedNow(clock, deviceNow()) : null
}

/** Called after every change of the data or of the sync (to redraw the age shown). */
export const onTrustChange = (listener: () => void) => listeners.push(listener)

/** Loads what is kept, then polls the bundle; call once. */
export function startTrust() {
  // A store that cannot be read leaves the page as if it had never synced: the poll fills it.
  ready = load().catch(() => undefined)
  void ready.then(poll)
  window.addEventListener('online', () => void poll())
  // Keep the latest time seen on the device, also while offline and when the page goes away.
  setInterval(() => void keepClock(), 30_000)
  document.addEventListener('visibilitychange', () => void keepClock())
  return ready
}

async function load() {
  const [kept, keptClock] = await Promise.all([
    get<unknown>(TRUST_KEY).catch(() => undefined),
    get<TrustClock>(CLOCK_KEY).catch(() => undefined),
  ])
  // A store of an older page version (another shape) is no trust data: the next poll fills it.
  stored = isStoredTrust(kept) ? kept : undefined
  clock = keptClock ? resumeTrustClock(keptClock, deviceNow()) : undefined
  if (stored) await decodeKept(stored, decoded)
  notify()
}

/** One poll now (a running one is waited for), then the next after `refresh_seconds`. */
export function poll(): Promise<void> {
  if (timer) clearTimeout(timer)
  polling ??= pollOnce().finally(() => {
    polling = null
    timer = setTimeout(
      () => void poll(),
      Math.min(60, stored?.refresh_seconds ?? DEFAULT_REFRESH_SECONDS) * 1000,
    )
  })
  return polling
}

async function pollOnce() {
  await ready
  if (!navigator.onLine) return keepClock()
  const sentAt = deviceNow()
  let response: Response
  try {
    response = await fetch('/api/v1/trust/bundle', {
      credentials: 'same-origin',
      cache: 'no-store',
      // An enrolled phone names its device: a revoked one learns it here too, even when idle.
      headers: { ...readHeaders(), ...(stored?.etag ? { 'if-none-match': stored.etag } : {}) },
    })
  } catch {
    return keepClock()
  }
  if (response.status === 403) {
    noticeAnswer(403, await response.json().catch(() => null))
    return
  }
  // The server's time was read between sending and receiving: count it as the middle.
  const receivedAt = (sentAt + deviceNow()) / 2
  if (response.status === 304 && stored) {
    const serverTime = Date.parse(response.headers.get('date') ?? '')
    if (Number.isNaN(serverTime)) return keepClock()
    await sync(confirmBundle(stored, serverTime), serverTime, receivedAt)
    return
  }
  if (!response.ok) return keepClock()
  const body = (await response.json().catch(() => null)) as TrustBundleBody | null
  const serverTime = body ? Date.parse(body.generated_at) : Number.NaN
  if (!body || Number.isNaN(serverTime) || !Array.isArray(body.issuers)) return keepClock()
  // The lists' `exp` is checked against the server's time of this very answer.
  const next = await acceptBundle(
    stored,
    body,
    response.headers.get('etag'),
    serverTime,
    serverTime,
    decoded,
  )
  pruneDecoded(next, decoded)
  await sync(next, serverTime, receivedAt)
}

async function sync(next: StoredTrust, serverTime: number, at: number) {
  if (deviceRetired()) return
  stored = next
  clock = advanceTrustClock(syncTrustClock(clock, serverTime, at), deviceNow())
  await Promise.all([set(TRUST_KEY, next), set(CLOCK_KEY, clock)]).catch(() => undefined)
  notify()
}

/** Stores the latest time seen (after each poll, each offline verdict, and every half minute). */
export async function keepClock() {
  if (!clock || deviceRetired()) return
  clock = advanceTrustClock(clock, deviceNow())
  await set(CLOCK_KEY, clock).catch(() => undefined)
  notify()
}

function notify() {
  for (const listener of listeners) listener()
}

/** The material for an offline verdict made now; undefined when nothing was ever synced. */
export async function offlineMaterial(): Promise<OfflineTrust | undefined> {
  await ready
  if (!stored || !clock) return undefined
  return offlineTrust(stored, decoded, clock, deviceNow())
}

/** How old the page's trust data is, for the status line; null before the first sync. */
export function trustSummary(): {
  ageSeconds: number
  freshness: TrustFreshness
  /** This deployment publishes a list and none of its lists verified here. */
  unusable: boolean
} | null {
  if (!stored || !clock) return null
  const own = stored.issuers[0]
  const now = deviceNow()
  const ageSeconds = trustDataAge(clock, now, own ? (clock.serverTime - own.as_of) / 1000 : 0)
  return {
    ageSeconds,
    freshness: trustFreshness(ageSeconds, {
      warnSeconds: stored.warn_age_seconds,
      maxSeconds: stored.max_age_seconds,
    }),
    unusable: Boolean(own?.publishes_list && !own.status_list),
  }
}
