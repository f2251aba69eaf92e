import { expect } from 'vitest'
import type { TestApp } from './test-app.ts'
import { applicationBody } from './fixtures.ts'

/** Applies as the demo enterprise and approves as the coordinator: the pass JSON. */
export async function issuePass(t: TestApp, overrides: Record<string, unknown> = {}) {
  const app = await t.call('POST', '/api/v1/applications', {
    as: 'enterprise',
    body: applicationBody(overrides),
  })
  expect(app.status).toBe(201)
  const pass = await t.call('POST', `/api/v1/applications/${app.json.id}/approve`, {
    as: 'coordinator',
  })
  expect(pass.status).toBe(201)
  return pass.json as { number: string; token: string; plate: string; [key: string]: unknown }
}

/** Scans as the demo checkpoint account (works at HZ-G60-XS, HZ-TS-XS and HZ-DEST-BJ). */
export async function scan(t: TestApp, body: Record<string, unknown>) {
  return t.call('POST', '/api/v1/scans', {
    as: 'checkpoint',
    body: { id: crypto.randomUUID(), checkpoint_code: 'HZ-G60-XS', ...body },
  })
}

/**
 * A pass issued and scanned at the entry (HZ-G60-XS): the vehicle's open loop, as most loop tests
 * start. The scan must open it.
 */
export async function openLoop(t: TestApp, overrides: Record<string, unknown> = {}) {
  const pass = await issuePass(t, overrides)
  const scanned = await scan(t, { token: pass.token })
  expect(scanned.json.loop?.id, 'the entry scan opens a loop').toBeTypeOf('string')
  return { pass, loopId: scanned.json.loop.id as string }
}

/**
 * One loop event as a device would make it, at the test clock's now; the clock then moves on a
 * minute, so events made one after another happen one after another.
 */
export function event(
  t: TestApp,
  loopId: string,
  kind: string,
  data?: Record<string, unknown>,
  at?: string,
) {
  const made = {
    id: crypto.randomUUID(),
    loop_id: loopId,
    kind,
    at: at ?? t.clock().toISOString(),
    checkpoint_code: 'HZ-G60-XS',
    ...(data ? { data } : {}),
  }
  if (!at) t.clock.advance(60_000)
  return made
}

export async function sendEvents(t: TestApp, events: unknown[]) {
  return t.call('POST', '/api/v1/events', { as: 'checkpoint', body: { events } })
}

/**
 * The second demo firm (demo-ent-2) signed in through an account of its own, with an approved
 * pass for its truck `plate`: what the "never another firm's" tests compare against.
 */
export async function otherFirmWithPass(t: TestApp, username: string, plate = '苏E99999') {
  const account = await t.call('POST', '/api/v1/accounts', {
    as: 'admin',
    body: {
      username,
      password: 'other-firm-password',
      role: 'enterprise',
      enterprise_id: 'demo-ent-2',
    },
  })
  expect(account.status, account.text).toBe(201)
  const token = await t.login(username, 'other-firm-password')
  const applied = await t.call('POST', '/api/v1/applications', {
    as: { token },
    body: applicationBody({ plate }),
  })
  expect(applied.status, applied.text).toBe(201)
  const pass = await t.call('POST', `/api/v1/applications/${applied.json.id}/approve`, {
    as: 'coordinator',
  })
  expect(pass.status, pass.text).toBe(201)
  return { token, pass: pass.json as { number: string; token: string } }
}
