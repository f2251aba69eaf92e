// The scan load once more with wrk, a load generator written in C: autocannon's JavaScript costs
// CPU on the same two cores as the server, wrk much less. Optional: without wrk on the PATH
// (`apt-get install wrk`) the bench skips this run and says so.
import { execFile, execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LoadResult } from './load.ts'
import { ROOT } from './server.ts'

/** The wrk binary, or null when it is not installed. */
export function findWrk(): string | null {
  try {
    return execFileSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).trim() || null
  } catch {
    return null
  }
}

export interface WrkOptions {
  url: string
  /** The checkpoint account's bearer token. */
  token: string
  /** One JSON body per request, in order; the run stops when `seconds` pass. */
  bodies: string[]
  /** Where the bodies file is written. */
  workDir: string
  connections: number
  seconds: number
  /** wrk's threads (default 1: 64 connections are little work for one, and the server needs the cores). */
  threads?: number
}

export type WrkResult = Omit<LoadResult, 'steadyLatencyMs' | 'firstAnswerMs'> & {
  /** Requests sent beyond the pool of bodies (refused by the server, counted in non2xx). */
  beyondPool: number
  /** wrk's own CPU (all its threads) over the run. */
  loadGeneratorCpuMs: number
}

interface WrkSummary {
  requests: number
  sent: number
  duration_us: number
  connect_errors: number
  read_errors: number
  write_errors: number
  non2xx: number
  timeouts: number
  latency_us: { p50: number; p90: number; p99: number; max: number; mean: number }
  cpu_s: number
}

export async function runWrk(wrk: string, o: WrkOptions): Promise<WrkResult> {
  const threads = o.threads ?? 1
  const bodiesFile = join(o.workDir, 'wrk-scan-bodies.jsonl')
  writeFileSync(bodiesFile, o.bodies.join('\n') + '\n')
  const script = join(ROOT, 'scripts/bench/scan-bodies.lua')
  const args = [
    '-t',
    String(threads),
    '-c',
    String(o.connections),
    '-d',
    `${o.seconds}s`,
    '--timeout',
    '30s',
    '-s',
    script,
    o.url,
    '--',
    bodiesFile,
    o.token,
    String(threads),
  ]
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(wrk, args, { maxBuffer: 16 * 1024 * 1024 }, (error, out, err) =>
      error ? reject(new Error(`wrk failed: ${error.message}\n${err}`)) : resolve(out),
    ),
  )
  const line = stdout.split('\n').find((l) => l.startsWith('{"requests"'))
  if (!line) throw new Error(`wrk printed no summary:\n${stdout}`)
  const s = JSON.parse(line) as WrkSummary
  const seconds = s.duration_us / 1e6
  const ok = s.requests - s.non2xx
  const ms = (us: number) => Math.round(us / 10) / 100
  return {
    requests: s.requests,
    ok,
    non2xx: s.non2xx,
    errors: s.connect_errors + s.read_errors + s.write_errors,
    timeouts: s.timeouts,
    seconds,
    rps: ok / seconds,
    latencyMs: {
      p50: ms(s.latency_us.p50),
      p90: ms(s.latency_us.p90),
      p99: ms(s.latency_us.p99),
      max: ms(s.latency_us.max),
      mean: ms(s.latency_us.mean),
    },
    beyondPool: Math.max(0, s.sent - o.bodies.length),
    loadGeneratorCpuMs: Math.round(s.cpu_s * 1000),
  }
}
