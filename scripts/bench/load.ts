// Load generators: autocannon for fixed-connection HTTP load (bounded by count and by time), and a
// small fetch pool for request chains (approve, then fetch the QR).
import autocannon from 'autocannon'

export interface LoadResult {
  requests: number
  ok: number
  non2xx: number
  errors: number
  timeouts: number
  seconds: number
  /** Successful responses per second over the run. */
  rps: number
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number }
  /**
   * The same without each connection's first answer. Node (libuv ≥ 1.45) accepts one connection
   * per turn of its event loop, so when 64 connections open at once against a busy server the
   * last ones wait many turns before their first request is even read: that is the connection
   * ramp (`firstAnswerMs`), not the steady state of devices that keep their connections.
   */
  steadyLatencyMs: { p50: number; p99: number; max: number }
  /** The slowest first answer of a connection, and how many connections answered. */
  firstAnswerMs: { max: number; connections: number }
}

export interface LoadOptions {
  url: string
  connections: number
  /** Stop after this many requests … */
  amount?: number
  /** … or after this many seconds, whichever comes first. */
  seconds: number
  /** At most this many requests per second over all connections (default: as fast as answered). */
  rate?: number
  method?: 'GET' | 'POST'
  path: string
  headers?: Record<string, string>
  /** A fresh body for every request. */
  body?: () => string
  onResponse?: (status: number, body: string) => void
}

export function runLoad(o: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const request: autocannon.Request = {
      method: o.method ?? 'GET',
      path: o.path,
      headers: { ...(o.body ? { 'content-type': 'application/json' } : {}), ...o.headers },
    }
    if (o.body) {
      const body = o.body
      request.setupRequest = (req) => ({ ...req, body: body() })
    }
    if (o.onResponse) {
      const onResponse = o.onResponse
      request.onResponse = (status, body) => onResponse(status, body)
    }
    let timer: NodeJS.Timeout | undefined
    // autocannon's own `duration` counts whole seconds of its sampling ticks (a 4.2 s run reads
    // 5 s): time the run here instead.
    const started = performance.now()
    const instance = autocannon(
      {
        url: o.url,
        connections: o.connections,
        ...(o.amount ? { amount: o.amount } : { duration: o.seconds }),
        ...(o.rate ? { overallRate: o.rate } : {}),
        timeout: 30,
        requests: [request],
      },
      (error, result) => {
        if (timer) clearTimeout(timer)
        if (error) return reject(error)
        const ok = result['2xx']
        const seconds = (performance.now() - started) / 1000
        resolve({
          requests: result.requests.total,
          ok,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          seconds,
          rps: ok / seconds,
          latencyMs: {
            p50: result.latency.p50,
            p90: result.latency.p90,
            p99: result.latency.p99,
            max: result.latency.max,
            mean: result.latency.average,
          },
          steadyLatencyMs:
            (steady.sort((a, b) => a - b),
            {
              p50: percentile(steady, 50),
              p99: percentile(steady, 99),
              max: steady.at(-1) ?? NaN,
            }),
          firstAnswerMs: { max: Math.max(...first), connections: first.length },
        })
      },
    )
    // Every answer's latency, with whether it was its connection's first (autocannon's histogram
    // has no such split).
    const answered = new Set<unknown>()
    const steady: number[] = []
    const first: number[] = []
    instance.on('response', (client: unknown, _status: number, _bytes: number, ms: number) => {
      if (answered.has(client)) steady.push(ms)
      else (answered.add(client), first.push(ms))
    })
    // With `amount`, autocannon ignores `duration`: bound the time ourselves.
    if (o.amount) timer = setTimeout(() => instance.stop(), o.seconds * 1000)
  })
}

export const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN
export const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  )

/** Runs `work(i)` for i < count with `concurrency` in flight, until done or `seconds` pass. */
export async function pool<T>(
  count: number,
  concurrency: number,
  seconds: number,
  work: (i: number) => Promise<T>,
) {
  const deadline = performance.now() + seconds * 1000
  const results: T[] = []
  const latencies: number[] = []
  let next = 0
  let failures = 0
  const errors = new Map<string, number>()
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count && performance.now() < deadline) {
        const i = next++
        const t = performance.now()
        try {
          results.push(await work(i))
          latencies.push(performance.now() - t)
        } catch (error) {
          failures++
          const key = String(error instanceof Error ? error.message : error).slice(0, 200)
          errors.set(key, (errors.get(key) ?? 0) + 1)
        }
      }
    }),
  )
  const seconds_ = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  return {
    results,
    done: results.length,
    failures,
    errors: Object.fromEntries(errors),
    seconds: seconds_,
    perSecond: results.length / seconds_,
    latencyMs: {
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? NaN,
    },
  }
}
