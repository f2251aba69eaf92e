import { get, set, update } from 'idb-keyval'
import { serverNow } from './common.ts'
import {
  deviceRetired,
  isRevokedAnswer,
  prepare,
  sendPrepared,
  type PreparedRequest,
} from './device.ts'

// The device's upload queue (IndexedDB): scans made offline and every loop event, uploaded in
// order when the network is there — scans first (a scan made offline opens its loop then), then
// events, whose UUIDs make a repeated upload harmless.
//
// An enrolled page signs each record when it is queued and keeps the request as it will be sent
// (path, body text, time, signature): one request per record, sent later exactly so, so the
// server can tell what was signed before the device was revoked. The one exception is an event
// on a loop that a queued scan will open: its loop id is known only once that scan is uploaded,
// so it is signed then, with the time it was queued.

/** What the page asks to queue. */
export type QueueInput =
  | { type: 'scan'; body: Record<string, unknown> }
  | { type: 'event'; event: Record<string, unknown> }

/** What is kept: the request ready to send, or the event waiting for its scan's loop. */
export type QueueItem =
  | { type: 'scan' | 'event'; id: string; request: PreparedRequest }
  | { type: 'event'; id: string; waiting: Record<string, unknown>; queuedAt: number }

export interface EventResult {
  id: string
  status: 'accepted' | 'duplicate' | 'rejected'
  error?: { code: string; message: string }
  flag?: string
}

export interface FlushReport {
  /** How many queued records reached the server this time. */
  uploaded: number
  /** The loop each uploaded scan opened or joined, by scan id. */
  loopsByScan: Record<string, string>
  events: Map<string, EventResult>
  /** Records dated ahead of the server's clock stay queued (a phone clock set fast). */
  clockAhead: boolean
  /** The server said this device is revoked (the rest was still handed over as signed). */
  revoked: boolean
}

const QUEUE_KEY = 'tx-queue'
const PENDING = 'pending:'
const countListeners: ((n: number) => void)[] = []
export const onQueueCount = (listener: (n: number) => void) => countListeners.push(listener)

export async function queue(): Promise<QueueItem[]> {
  const kept = (await get<unknown[]>(QUEUE_KEY)) ?? []
  return kept.map(upgrade)
}

/** A record queued by an earlier page version (`{type, body}` / `{type, event}`): sent unsigned. */
function upgrade(item: any): QueueItem {
  if (item.request || item.waiting) return item
  if (item.type === 'scan')
    return {
      type: 'scan',
      id: String(item.body.id),
      request: requestOf('/api/v1/scans', item.body),
    }
  return { type: 'event', id: String(item.event.id), waiting: item.event, queuedAt: Date.now() }
}

function requestOf(path: string, body: unknown): PreparedRequest {
  return { method: 'POST', path, body: JSON.stringify(body), headers: {} }
}

// Every change to the queue is one read-and-write in one IndexedDB transaction (idb-keyval's
// `update`), and the upload takes off only the record it sent: a record queued while an upload is
// under way (staff press the next step before the last one has reached the server) is never
// written over by the upload's older copy of the queue.
async function changeQueue(change: (items: QueueItem[]) => QueueItem[]) {
  if (deviceRetired()) return
  let length = 0
  await update<unknown[]>(QUEUE_KEY, (kept) => {
    const items = change((kept ?? []).map(upgrade))
    length = items.length
    return items
  })
  for (const listener of countListeners) listener(length)
}

const removeFromQueue = (id: string) =>
  changeQueue((items) => items.filter((item) => item.id !== id))

/** Queues one record, signed now (an event on a loop not yet opened: once its loop is known). */
export async function enqueue(input: QueueInput) {
  const item: QueueItem =
    input.type === 'scan'
      ? {
          type: 'scan',
          id: String(input.body.id),
          request: await prepare('POST', '/api/v1/scans', input.body),
        }
      : String(input.event.loop_id).startsWith(PENDING)
        ? {
            type: 'event',
            id: String(input.event.id),
            waiting: input.event,
            queuedAt: serverNow().getTime(),
          }
        : {
            type: 'event',
            id: String(input.event.id),
            request: await prepare('POST', '/api/v1/events', { events: [input.event] }),
          }
  await changeQueue((items) => [...items, item])
}

let flushing: Promise<FlushReport | null> | null = null

/**
 * Uploads the queue in order; stops at the first network failure and keeps the rest. After a
 * `device_revoked` answer it goes on: every record left is sent once as it was signed (the server
 * keeps for review those signed before the revocation), and none stays queued.
 */
export function flush(): Promise<FlushReport | null> {
  if (!navigator.onLine || deviceRetired()) return Promise.resolve(null)
  // One upload at a time; a second caller waits for the running one, then uploads what is left.
  const run = (flushing ?? Promise.resolve(null)).then(upload)
  flushing = run.finally(() => {
    if (flushing === run) flushing = null
  }) as Promise<FlushReport | null>
  return run
}

/** The request of an event that waited for its scan's loop: signed now, dated when queued. */
async function requestOfWaiting(
  item: Extract<QueueItem, { waiting: unknown }>,
  loopsByScan: Record<string, string>,
): Promise<PreparedRequest | null> {
  const ref = String(item.waiting.loop_id)
  const loopId = ref.startsWith(PENDING) ? loopsByScan[ref.slice(PENDING.length)] : ref
  if (!loopId) return null
  const event = { ...item.waiting, loop_id: loopId }
  return prepare('POST', '/api/v1/events', { events: [event] }, item.queuedAt)
}

async function upload(): Promise<FlushReport | null> {
  const report: FlushReport = {
    uploaded: 0,
    loopsByScan: {},
    events: new Map(),
    clockAhead: false,
    revoked: false,
  }
  try {
    const loopsByScan: Record<string, string> = (await get('tx-loops-by-scan')) ?? {}
    // The queue is read again before each record: what was queued meanwhile is sent in turn.
    for (let item = (await queue())[0]; item; item = (await queue())[0]) {
      const request = 'request' in item ? item.request : await requestOfWaiting(item, loopsByScan)
      // An event whose scan never opened a loop: the server would refuse it (`unknown_loop`);
      // once the device is revoked it cannot be sent at all.
      if (!request) {
        if (!report.revoked) {
          const event = (item as { waiting: Record<string, unknown> }).waiting
          const queuedAt = (item as { queuedAt: number }).queuedAt
          const answer = await sendPrepared(
            await prepare('POST', '/api/v1/events', { events: [event] }, queuedAt),
          )
          if (answer.status >= 500) break
          for (const r of (answer.json?.results ?? []) as EventResult[])
            if (r.id) report.events.set(r.id, r)
        }
        await removeFromQueue(item.id)
        if (deviceRetired()) break
        continue
      }
      const answer = await sendPrepared(request)
      if (answer.status >= 500) break
      // Signed out meanwhile: kept until the officer signs in again. Signed by a phone clock far
      // ahead of the server's: kept until real time catches up (the signature stays valid).
      if (answer.status === 401) break
      if (answer.json?.error?.code === 'device_time_in_future') {
        report.clockAhead = true
        break
      }
      if (isRevokedAnswer(answer.status, answer.json)) {
        // Kept for review or refused: either way the server has answered for it.
        report.revoked = true
        await removeFromQueue(item.id)
        if (deviceRetired()) break
        continue
      }
      if (item.type === 'scan') {
        // The phone's clock is ahead of the server's: keep the scan until real time catches up
        // with it (it is accepted then), and tell the officer to fix the clock. Never drop it.
        if (answer.json?.error?.code === 'scanned_at_in_future') {
          report.clockAhead = true
          break
        }
        if (answer.json?.loop?.id) {
          loopsByScan[item.id] = answer.json.loop.id
          report.loopsByScan[item.id] = answer.json.loop.id
        }
      } else {
        const results: EventResult[] = answer.json?.results ?? []
        for (const r of results) if (r.id) report.events.set(r.id, r)
        // An event dated ahead of the server (a fast phone clock) stays queued for later.
        if (results.some((r) => r.error?.code === 'time_in_future')) {
          report.clockAhead = true
          break
        }
      }
      report.uploaded += 1
      if (!deviceRetired()) await set('tx-loops-by-scan', loopsByScan)
      await removeFromQueue(item.id)
      if (deviceRetired()) break
    }
  } catch {
    // Network gone again: the rest stays queued.
  }
  await changeQueue((items) => items)
  return report
}
