import { serve } from '@hono/node-server'
import type { AddressInfo } from 'node:net'
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'

const BODY_LIMIT = 2048

/** One raw HTTP/1.1 request, so the test controls Content-Length and chunking itself. */
function post(port: number, path: string, chunks: string[], headers: Record<string, string>) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (d) => (body += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      },
    )
    req.on('error', reject)
    for (const chunk of chunks) req.write(chunk)
    req.end()
  })
}

describe('request body limit on the Node server', () => {
  let t: TestApp
  let server: ReturnType<typeof serve>
  let port: number
  beforeAll(async () => {
    t = await buildTestApp({ config: { BODY_LIMIT_BYTES: String(BODY_LIMIT) } })
    await new Promise<void>((resolve) => {
      server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve())
    })
    port = (server.address() as AddressInfo).port
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  const big = JSON.stringify({ username: 'x'.repeat(BODY_LIMIT), password: 'y' })

  it('refuses a declared Content-Length over the limit with 413 body_too_large', async () => {
    const res = await post(port, '/api/v1/auth/login', [big], {
      'content-length': String(Buffer.byteLength(big)),
    })
    expect(res.status).toBe(413)
    expect(JSON.parse(res.body).error.code).toBe('body_too_large')
  })

  it('counts a chunked body (no Content-Length) and refuses it past the limit', async () => {
    const half = Math.ceil(big.length / 2)
    const res = await post(port, '/api/v1/auth/login', [big.slice(0, half), big.slice(half)], {
      'transfer-encoding': 'chunked',
    })
    expect(res.status).toBe(413)
    expect(JSON.parse(res.body).error.code).toBe('body_too_large')
  })

  it('reads a body under the limit as usual, with or without Content-Length', async () => {
    const small = JSON.stringify({ username: 'nobody-here', password: 'wrong-password' })
    const variants: Record<string, string>[] = [
      { 'content-length': String(Buffer.byteLength(small)) },
      { 'transfer-encoding': 'chunked' },
    ]
    for (const headers of variants) {
      const res = await post(port, '/api/v1/auth/login', [small], headers)
      expect(res.status, res.body).toBe(401)
      expect(JSON.parse(res.body).error.code).toBe('invalid_credentials')
    }
  })
})
