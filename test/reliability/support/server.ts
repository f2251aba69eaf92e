import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { promisify } from 'node:util'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

/** The repository root (test/reliability/support → ../../..). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export interface RunningServer {
  url: string
  proc: ChildProcess
  /** The last lines the process wrote, for failure messages. */
  output: () => string
  /** SIGKILL: no shutdown handler runs, as on a crash or a power cut of the process. */
  kill: () => Promise<void>
  /** SIGTERM: the clean stop. */
  stop: () => Promise<void>
}

let bundled: Promise<unknown> | undefined

/**
 * Starts the real Node entry as `npm start` runs it — the bundle of `src/node.ts` made by
 * scripts/build-server.ts, rebuilt here once per test file so it matches the source — as its own
 * process, with no wrapper, so a SIGKILL hits the server itself; waits until `/healthz` answers.
 * `npm run build:ui` must have run (src/ui/generated/assets.ts).
 */
export async function startServer(options: {
  dataDir: string
  port: number
  env?: Record<string, string>
}): Promise<RunningServer> {
  const { dataDir, port } = options
  bundled ??= promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'scripts/build-server.ts'],
    { cwd: ROOT },
  )
  await bundled
  const proc = spawn(process.execPath, ['dist/server/node.mjs'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      SEED_DEMO: '1',
      NODE_ENV: 'production',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean))
    if (lines.length > 200) lines.splice(0, lines.length - 200)
  }
  proc.stdout!.on('data', keep)
  proc.stderr!.on('data', keep)
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${port}`
  const output = () => lines.join('\n')

  const deadline = Date.now() + 60_000
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null)
      throw new Error(`server exited on start (${proc.exitCode ?? proc.signalCode}):\n${output()}`)
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })
      if (res.status === 200) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL')
      throw new Error(`server did not become healthy within 60 s:\n${output()}`)
    }
    await sleep(50)
  }

  const signal = async (name: NodeJS.Signals) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(name)
    await exited
  }
  return { url, proc, output, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
