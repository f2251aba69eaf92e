import { get, set } from 'idb-keyval'
import { api } from './common.ts'

// The device's upload queue (IndexedDB): scans made offline and every loop event, uploaded in
// order when the network is there — scans first (a scan made offline opens its loop then), then
// events, whose UUIDs make a repeated upload harmless.

export type QueueItem =
  | { type: 'scan'; body: Record<string, unknown> }
  | { type: 'event'; event: Record<string, unknown> }

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
}

const countListeners: ((n: number) => void)[] = []
export const onQueueCount = (listener: (n: number) => void) => countListeners.push(listener)

export async function queue(): Promise<QueueItem[]> {
  return (await get<QueueItem[]>('tx-queue')) ?? []
}
async function saveQueue(items: QueueItem[]) {
  await set('tx-queue', items)
  for (const listener of countListeners) listener(items.length)
}
export async function enqueue(item: QueueItem) {
  await saveQueue([...(await queue()), item])
}

let flushing: Promise<FlushReport | null> | null = null

/** Uploads the queue in order; stops at the first network failure and keeps the rest. */
export function flush(): Promise<FlushReport | null> {
  if (!navigator.onLine) return Promise.resolve(null)
  // One upload at a time; a second caller waits for the running one, then uploads what is left.
  const run = (flushing ?? Promise.resolve(null)).then(upload)
  flushing = run.finally(() => {
    if (flushing === run) flushing = null
  }) as Promise<FlushReport | null>
  return run
}

async function upload(): Promise<FlushReport | null> {
  const report: FlushReport = { uploaded: 0, loopsByScan: {}, events: new Map(), clockAhead: false }
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
          report.clockAhead = true
          break
        }
        if (answer.json?.loop?.id) {
          loopsByScan[String(item.body.id)] = answer.json.loop.id
          report.loopsByScan[String(item.body.id)] = answer.json.loop.id
        }
        items = items.slice(1)
        report.uploaded += 1
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
        const results: EventResult[] = answer.json?.results ?? []
        for (const r of results) if (r.id) report.events.set(r.id, r)
        // Events dated ahead of the server (a fast phone clock) stay queued for a later upload.
        const early = new Set(
          results.filter((r) => r.error?.code === 'time_in_future').map((r) => r.id),
        )
        const kept = batch
          .filter((event) => early.has(String(event.id)))
          .map((event) => ({ type: 'event' as const, event }))
        report.uploaded += batch.length - kept.length
        items = [...kept, ...items.slice(batch.length)]
        if (kept.length > 0) {
          report.clockAhead = true
          await saveQueue(items)
          break
        }
      }
      await set('tx-loops-by-scan', loopsByScan)
      await saveQueue(items)
    }
  } catch {
    // Network gone again: the rest stays queued.
  }
  await saveQueue(await queue())
  return report
}
