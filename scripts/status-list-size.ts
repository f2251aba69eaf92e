// `npm run size:status-list`: how big this issuer's status list (trust/status-list.ts) is for
// 10⁶ serials with none, 0.1 % and 1 % of them revoked at random, and what encoding and decoding
// it costs. Prints one row per share: the zlib-compressed list as published (deflateStatusList),
// the signed JWT, that JWT gzip'd as an HTTP body, the median encode and decode time of a few
// runs (the scan page decodes a list once per version it receives), and for comparison the
// library's own level-9 encoding (encodeStatusList). Seeded, so runs compare.
//
//   STATUS_LIST_RUNS=5    timed runs of each (after one warm-up)
import { performance } from 'node:perf_hooks'
import { gzipSync } from 'node:zlib'
import { generateSigningKey } from '../src/keys/generate.ts'
import { loadSigningKeys } from '../src/trust/signing-keys.ts'
import {
  SERIAL_COUNT,
  decodeStatusList,
  deflateStatusList,
  encodeStatusList,
  signStatusList,
} from '../src/trust/status-list.ts'

const RUNS = Number(process.env.STATUS_LIST_RUNS ?? 5)
const SHARES = [0, 0.001, 0.01]

/** `count` distinct serials of 10⁶, the same ones on every run (a linear congruential generator). */
function randomSerials(count: number, seed: number): number[] {
  let state = seed >>> 0
  const serials = new Set<number>()
  while (serials.size < count) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    serials.add(state % SERIAL_COUNT)
  }
  return [...serials]
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

async function timed<T>(work: () => T | Promise<T>): Promise<{ result: T; ms: number }> {
  let result = await work() // warm-up
  const ms: number[] = []
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now()
    result = await work()
    ms.push(performance.now() - started)
  }
  return { result, ms: Number(median(ms).toFixed(1)) }
}

const keys = await loadSigningKeys(JSON.stringify([await generateSigningKey()]))
const iat = Math.floor(Date.now() / 1000)
const rows = []
for (const share of SHARES) {
  const serials = randomSerials(Math.round(SERIAL_COUNT * share), 17)
  const encoded = await timed(() => deflateStatusList(serials))
  const library = await timed(() => encodeStatusList(serials))
  const list = encoded.result
  const decoded = await timed(() => decodeStatusList(list))
  const missed = serials.filter((s) => !decoded.result.isInvalid(s)).length
  if (missed > 0) throw new Error(`${missed} revoked serials read back as valid`)
  const jwt = await signStatusList(
    {
      issuer_code: '330100',
      sub: 'https://tx.example.cn/api/v1/trust/status-list',
      iat,
      exp: iat + 259_200,
      ttl: 60,
      version: serials.length,
      status_list: list,
    },
    keys.current,
  )
  rows.push({
    revoked: `${(share * 100).toFixed(1)} % (${serials.length.toLocaleString('en')})`,
    'list (zlib) bytes': Buffer.from(list.lst, 'base64url').length,
    'JWT bytes': Buffer.byteLength(jwt),
    'gzip body bytes': gzipSync(jwt).length,
    'encode ms': encoded.ms,
    'decode ms': decoded.ms,
    'library level 9: bytes': Buffer.from(library.result.lst, 'base64url').length,
    'library ms': library.ms,
  })
}

console.log(
  `Status list of ${SERIAL_COUNT.toLocaleString('en')} serials, 1 bit each (median of ${RUNS} runs, Node ${process.version}):`,
)
console.table(rows)
