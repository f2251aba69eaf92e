import { Hono } from 'hono'
import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { abortUnless, GuardFailed } from '../../src/db/guard.ts'
import { openNodeStore } from '../../src/db/node-store.ts'
import type { Store } from '../../src/db/store.ts'
import { handleError } from '../../src/http/errors.ts'

/** An in-memory store with just the tables a guarded write needs. */
async function guardedStore(): Promise<Store> {
  const store = openNodeStore(':memory:')
  await store.exec(`
    CREATE TABLE write_guards (ok INTEGER, CONSTRAINT write_guard_failed CHECK (ok = 1));
    CREATE TABLE notes (id TEXT PRIMARY KEY);`)
  return store
}

let store: Store | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

const insertNote = (id: string) => sql`INSERT INTO notes (id) VALUES (${id})`.compile(store!.db)
const noteExists = (id: string) => sql<boolean>`EXISTS (SELECT 1 FROM notes WHERE id = ${id})`

describe('abortUnless', () => {
  it('refuses the whole write with the code and message the guard was made with', async () => {
    store = await guardedStore()
    const error = await store
      .atomic([insertNote('b'), abortUnless(noteExists('a'), 'note_missing', 'note a is gone')])
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GuardFailed)
    expect(error).toMatchObject({
      code: 'note_missing',
      message: 'note a is gone',
      codes: ['note_missing'],
    })
    expect(
      await store.db
        .selectFrom('notes' as never)
        .selectAll()
        .execute(),
    ).toEqual([])
  })

  it('lets the write through when the condition holds', async () => {
    store = await guardedStore()
    await store.atomic([insertNote('a')])
    await store.atomic([
      abortUnless(noteExists('a'), 'note_missing', 'note a is gone'),
      insertNote('b'),
    ])
    expect(
      await store.db
        .selectFrom('notes' as never)
        .selectAll()
        .execute(),
    ).toHaveLength(2)
  })

  it('answers a refused write with 409, the guard’s code and its message', async () => {
    store = await guardedStore()
    const app = new Hono()
    app.onError(handleError)
    app.post('/notes', async (c) => {
      await store!.atomic([
        abortUnless(noteExists('a'), 'note_missing', 'note a is gone'),
        insertNote('b'),
      ])
      return c.body(null, 204)
    })
    const res = await app.request('/notes', { method: 'POST' })
    expect(res.status).toBe(409)
    expect(await res.json()).toEqual({ error: { code: 'note_missing', message: 'note a is gone' } })
  })
})
