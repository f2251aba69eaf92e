// Child servers for the benchmark: the real service (src/node.ts) or the bare Hono baseline, on
// 127.0.0.1 only, each a plain `node --import tsx <entry>` so the child's pid is the server's and
// /proc/<pid>/status gives its memory.
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, readFileSync } from 'node:fs'
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

export interface Memory {
  rssMb: number
  hwmMb: number
}

export function readMemory(pid: number): Memory | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
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
  const args = [...(options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir] : []), ...loader, options.entry]
  const log = createWriteStream(options.logFile, { flags: 'a' })
  const started = performance.now()
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...options.env, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout!.pipe(log, { end: false })
  child.stderr!.pipe(log, { end: false })
  let exited: number | null | undefined
  const exit = new Promise<void>((done) => child.once('exit', (code) => ((exited = code), done())))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (exited !== undefined) throw new Error(`${options.entry} exited (${exited}) before answering; see ${options.logFile}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`${options.entry} did not answer ${options.health} within 60 s; see ${options.logFile}`)
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
