/**
 * One GET of another issuer's JWKS or status list, bounded: 10 s for the whole exchange (body
 * included) and 2 MB of body, so a slow or hostile address can hold a refresh neither long nor
 * with much memory. The validator the issuer answered with (ETag) is sent back as If-None-Match,
 * so an unchanged document costs a 304.
 */
export const FETCH_TIMEOUT_MS = 10_000
export const MAX_TRUST_DOCUMENT_BYTES = 2 * 1024 * 1024

export type FetchedDocument =
  { changed: false } | { changed: true; text: string; etag: string | null }

/** Why a fetch gave nothing: a short English phrase for logs and the stored error (`HTTP 503`). */
export class TrustFetchFailed extends Error {}

export async function fetchTrustDocument(
  fetchFn: typeof fetch,
  url: string,
  options: { etag?: string | null; accept: string },
): Promise<FetchedDocument> {
  const headers: Record<string, string> = { accept: options.accept }
  if (options.etag) headers['if-none-match'] = options.etag
  let response: Response
  try {
    response = await fetchFn(url, {
      headers,
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      redirect: 'follow',
    })
  } catch (error) {
    throw new TrustFetchFailed(networkProblem(error))
  }
  if (response.status === 304 && options.etag) {
    await response.body?.cancel().catch(() => {})
    return { changed: false }
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => {})
    throw new TrustFetchFailed(`HTTP ${response.status}`)
  }
  const text = await readCapped(response, MAX_TRUST_DOCUMENT_BYTES)
  return { changed: true, text, etag: response.headers.get('etag') }
}

function networkProblem(error: unknown): string {
  const name = error instanceof Error ? error.name : ''
  if (name === 'TimeoutError' || name === 'AbortError')
    return `no answer within ${FETCH_TIMEOUT_MS / 1000} s`
  const reason = error instanceof Error ? error.message : String(error)
  return `network error (${reason.slice(0, 120)})`
}

/** The body as text, refused once it passes `cap` bytes (declared or counted). */
async function readCapped(response: Response, cap: number): Promise<string> {
  const tooLarge = () => new TrustFetchFailed(`answer larger than ${cap / 1024 / 1024} MB`)
  const declared = Number(response.headers.get('content-length') ?? '')
  if (Number.isFinite(declared) && declared > cap) {
    await response.body?.cancel().catch(() => {})
    throw tooLarge()
  }
  if (!response.body) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > cap) {
        await reader.cancel().catch(() => {})
        throw tooLarge()
      }
      chunks.push(value)
    }
  } catch (error) {
    if (error instanceof TrustFetchFailed) throw error
    throw new TrustFetchFailed(networkProblem(error))
  }
  const bytes = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    bytes.set(chunk, at)
    at += chunk.byteLength
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
  } catch {
    throw new TrustFetchFailed('answer is not UTF-8 text')
  }
}
