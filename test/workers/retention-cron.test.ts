import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import worker, { RETENTION_CRON } from '../../src/worker.ts'
// The Worker's own database `DB`, migrated as `wrangler d1 migrations apply` would.
import './apply-migrations.ts'

// The Workers cron dispatch (issue 21): the daily trigger in wrangler.toml runs the retention
// purge on D1, the minute trigger does not.

const db = env.DB as unknown as {
  prepare(sql: string): {
    bind(...values: unknown[]): { run(): Promise<unknown>; first<T>(): Promise<T | null> }
  }
}

async function failedScanFrom(receivedAt: string) {
  const id = crypto.randomUUID()
  await db
    .prepare(
      `INSERT INTO scans (id, checkpoint_code, account_id, scanned_at, received_at, verdict, reasons,
         action, raw, response)
       VALUES (?, 'HZ-G60-XS', 'cron-test', ?, ?, 'invalid', '["malformed"]', 'control_on_site',
         '{"token":"typed by hand"}', '{}')`,
    )
    .bind(id, receivedAt, receivedAt)
    .run()
  return id
}

const scanRow = (id: string) =>
  db
    .prepare('SELECT raw, personal_erased_at FROM scans WHERE id = ?')
    .bind(id)
    .first<{ raw: string; personal_erased_at: string | null }>()

describe('the Workers cron', () => {
  it('purges on the daily retention trigger only', async () => {
    const old = await failedScanFrom('2020-01-01T00:00:00.000Z')
    const recent = await failedScanFrom(new Date().toISOString())

    await worker.scheduled({ cron: '* * * * *' }, env as never)
    expect(await scanRow(old)).toMatchObject({ personal_erased_at: null })

    await worker.scheduled({ cron: RETENTION_CRON }, env as never)
    expect(await scanRow(old)).toMatchObject({ raw: '{}', personal_erased_at: expect.any(String) })
    expect(await scanRow(recent)).toMatchObject({ personal_erased_at: null })
    const entry = await db
      .prepare("SELECT after FROM audit_log WHERE action = 'personal.purge' ORDER BY seq DESC")
      .bind()
      .first<{ after: string }>()
    expect(JSON.parse(entry!.after)).toMatchObject({ scans: 1, retention_days: 28 })
  })
})
