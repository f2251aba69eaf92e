// Child servers for the benchmark: the real service (src/node.ts) or the bare Hono baseline, on
// 127.0.0.1 only, each a plain `node --import tsx <entry>` so the child's pid is the server's and
// /proc/<pid>/status gives its memory.
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { resolve } from 'node:path'

export const ROOT = resolve(import.meta.dirname, '../..')

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer()
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => done(port))
    })
  })
}

/** CPU time (ms) each thread of a process has used so far, from /proc (clock ticks of 10 ms). */
export function threadCpuMs(pid: number): Map<number, number> {
  const threads = new Map<number, number>()
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      // Fields after the command name (which is in parentheses): utime and stime are the 12th and 13th.
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      threads.set(Number(tid), (Number(fields[11]) + Number(fields[12])) * 10)
    }
  } catch {
    // the process or a thread ended meanwhile
  }
  return threads
}

/**
 * Where the server's CPU went between two `threadCpuMs` readings: the main thread (JavaScript,
 * HTTP, reads), the busiest other thread (the SQLite write thread under write load) and the rest
 * (libuv's pool running WebCrypto verifies, V8's GC and compiler threads).
 */
export function cpuSplit(pid: number, before: Map<number, number>, after: Map<number, number>) {
  const used = [...after].map(([tid, ms]) => ({ tid, ms: ms - (before.get(tid) ?? 0) }))
  const main = used.find((t) => t.tid === pid)?.ms ?? 0
  const others = used.filter((t) => t.tid !== pid).sort((a, b) => b.ms - a.ms)
  const busiest = others[0]?.ms ?? 0
  const rest = others.slice(1).reduce((sum, t) => sum + t.ms, 0)
  return {
    main_ms: main,
    busiest_other_thread_ms: busiest,
    other_threads_ms: rest,
    total_ms: main + busiest + rest,
  }
}

/**
 * Starts counting CPU for a load on server `pid`; the returned function gives the CPU per unit of
 * work (µs) — per thread group (see `cpuSplit`) and for the load generator, which is this process —
 * and how many cores all of it kept busy over `seconds`.
 */
export function watchCpu(pid: number) {
  const serverBefore = threadCpuMs(pid)
  const loaderBefore = process.cpuUsage()
  return (units: number, seconds: number, digits = 0) => {
    const loader = process.cpuUsage(loaderBefore)
    const loaderMs = (loader.user + loader.system) / 1000
    const split = cpuSplit(pid, serverBefore, threadCpuMs(pid))
    const per = (ms: number) =>
      Math.round(((ms * 1000) / Math.max(1, units)) * 10 ** digits) / 10 ** digits
    return {
      main_us: per(split.main_ms),
      write_thread_us: per(split.busiest_other_thread_ms),
      other_threads_us: per(split.other_threads_ms),
      load_generator_us: per(loaderMs),
      cores_busy: Math.round(((split.total_ms + loaderMs) / 1000 / seconds) * 100) / 100,
    }
  }
}

export interface Memory {
  rssMb: number
  hwmMb: number
}

export function readMemory(pid: number): Memory | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 }
  } catch {
    return null
  }
}

export interface Server {
  pid: number
  url: string
  child: ChildProcess
  startSeconds: number
  /** Samples VmRSS every 200 ms until the returned function is called; it answers the peak seen and VmHWM. */
  watchMemory(): () => { startRssMb: number; peakRssMb: number; hwmMb: number; samples: number }
  stop(): Promise<void>
}

export interface StartOptions {
  entry: string
  /** Node options before the entry, e.g. the heap limit `npm start` sets. */
  nodeArgs?: string[]
  env?: Record<string, string>
  logFile: string
  /** Health path that answers 200 once the server is up. */
  health: string
  /** Write a V8 CPU profile of the whole run here (written when the server exits). */
  profileDir?: string
}

export async function startServer(options: StartOptions): Promise<Server> {
  const port = await freePort()
  // TypeScript entries run through tsx; the bundled server (.mjs) runs as plain JavaScript.
  const loader = options.entry.endsWith('.ts') ? ['--import', 'tsx'] : []
  const args = [
    ...(options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir] : []),
    ...(options.nodeArgs ?? []),
    ...loader,
    options.entry,
  ]
  const log = createWriteStream(options.logFile, { flags: 'a' })
  const started = performance.now()
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      ...options.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout!.pipe(log, { end: false })
  child.stderr!.pipe(log, { end: false })
  let exited: number | null | undefined
  const exit = new Promise<void>((done) => child.once('exit', (code) => ((exited = code), done())))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (exited !== undefined)
      throw new Error(
        `${options.entry} exited (${exited}) before answering; see ${options.logFile}`,
      )
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(
        `${options.entry} did not answer ${options.health} within 60 s; see ${options.logFile}`,
      )
    }
    try {
      const response = await fetch(url + options.health)
      if (response.ok) break
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  const pid = child.pid!
  return {
    pid,
    url,
    child,
    startSeconds: (performance.now() - started) / 1000,
    watchMemory() {
      let peak = 0
      let samples = 0
      const startRssMb = readMemory(pid)?.rssMb ?? NaN
      const sample = () => {
        const m = readMemory(pid)
        if (m) {
          peak = Math.max(peak, m.rssMb)
          samples++
        }
      }
      sample()
      const timer = setInterval(sample, 200)
      return () => {
        clearInterval(timer)
        sample()
        return { startRssMb, peakRssMb: peak, hwmMb: readMemory(pid)?.hwmMb ?? NaN, samples }
      }
    },
    async stop() {
      if (exited === undefined) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
        await exit
        clearTimeout(timer)
      }
      log.end()
    },
  }
}
