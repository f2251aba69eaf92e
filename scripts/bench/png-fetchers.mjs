// @ts-check
// The PNG side of the bench's "scans while PNGs are fetched": its own process, so its fetch loops
// do not share an event loop with the scan load generator. Plain JavaScript (no tsx start-up).
// Input (JSON in PNG_FETCH): { url, token, numbers, clients, maxWidth }. Keeps `clients` requests
// for qr.png in flight, each a pass and width not asked before (1024, 1023, … per pass), until
// it gets SIGTERM; then prints {requested, statuses, bytes, seconds} as JSON and exits.
/** @type {{ url: string, token: string, numbers: string[], clients: number, maxWidth: number }} */
const { url, token, numbers, clients, maxWidth } = JSON.parse(process.env.PNG_FETCH ?? 'null')
let fetching = true
let requested = 0
let bytes = 0
/** @type {Record<string, number>} */
const statuses = {}
const started = performance.now()
process.on('SIGTERM', () => (fetching = false))
process.send?.('started')
await Promise.all(
  Array.from({ length: clients }, async () => {
    while (fetching) {
      const k = requested++
      const width = maxWidth - (Math.floor(k / numbers.length) % 512)
      try {
        const response = await fetch(
          `${url}/api/v1/passes/${numbers[k % numbers.length]}/qr.png?width=${width}`,
          { headers: { authorization: `Bearer ${token}` } },
        )
        bytes += (await response.arrayBuffer()).byteLength
        statuses[response.status] = (statuses[response.status] ?? 0) + 1
      } catch (error) {
        statuses[String(error)] = (statuses[String(error)] ?? 0) + 1
      }
    }
  }),
)
console.log(
  JSON.stringify({ requested, statuses, bytes, seconds: (performance.now() - started) / 1000 }),
)
