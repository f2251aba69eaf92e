import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import Sqlite from 'better-sqlite3'
import { CompiledQuery, sql, type SqlBool } from 'kysely'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { abortUnless, GuardFailed } from '../../src/db/guard.ts'
import { migrate } from '../../src/db/migrator.ts'
import { openNodeStore, rawSqlite } from '../../src/db/node-store.ts'
import { insertRow } from '../../src/db/precompiled.ts'
import type { Store } from '../../src/db/store.ts'

/**
 * The Node store on a database FILE, where writes run in a worker thread that owns the write
 * connection (group commit: one message per turn of the event loop, one transaction per group,
 * a savepoint per write). Every behaviour is checked with the thread and, for comparison, with
 * `writeThread: false` (the same committer on the main thread), which must answer the same.
 */

const ROOT = new URL('../../', import.meta.url)
let dir: string
let fileNo = 0
const newFile = () => join(dir, `store-${++fileNo}.db`)
const openStores = new Set<Store>()

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tongxing-node-store-'))
})
afterEach(async () => {
  for (const store of openStores) await store.close()
  openStores.clear()
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

function open(file: string, writeThread: boolean): Store {
  const store = openNodeStore(file, { writeThread })
  openStores.add(store)
  return store
}

/** A key/value table of the test's own, written by the tests below (the schema has none to spare). */
const SCRATCH_TABLE = 'CREATE TABLE scratch_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)'
const scratch = (store: Store) =>
  store.db.withTables<{ scratch_state: { key: string; value: string } }>()

/** A new file with the real schema and the scratch table. */
function freshStore(writeThread: boolean): { store: Store; file: string } {
  const file = newFile()
  const store = open(file, writeThread)
  migrate(rawSqlite(store))
  rawSqlite(store).exec(SCRATCH_TABLE)
  return { store, file }
}

/** Closes a store a test opened itself (so afterEach does not close it a second time). */
async function close(store: Store) {
  openStores.delete(store)
  await store.close()
}

/** A separate connection on the file, as another process would have. */
function withFreshConnection<T>(file: string, read: (db: Sqlite.Database) => T): T {
  const db = new Sqlite(file, { readonly: true, fileMustExist: true })
  try {
    return read(db)
  } finally {
    db.close()
  }
}

const AT = '2026-11-29T08:00:00.000Z'
const audit = (subject: string) =>
  insertRow('audit_log', {
    at: AT,
    actor: 'test',
    action: 'node-store',
    subject,
    before: null,
    after: null,
  })
const setState = (store: Store, key: string, value = 'v') =>
  scratch(store).insertInto('scratch_state').values({ key, value })
const keyExists = (key: string) =>
  sql<SqlBool>`exists (select 1 from scratch_state where key = ${key})`

async function stateValue(store: Store, key: string) {
  return (
    await scratch(store)
      .selectFrom('scratch_state')
      .select('value')
      .where('key', '=', key)
      .executeTakeFirst()
  )?.value
}
async function countState(store: Store, pattern: string) {
  return Number(
    (
      await scratch(store)
        .selectFrom('scratch_state')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('key', 'like', pattern)
        .executeTakeFirstOrThrow()
    ).n,
  )
}
async function countAudit(store: Store, pattern: string) {
  return Number(
    (
      await store.db
        .selectFrom('audit_log')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('subject', 'like', pattern)
        .executeTakeFirstOrThrow()
    ).n,
  )
}

/** The rejection of a promise that must reject. */
async function rejectionOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise
  } catch (error) {
    return error as Error & { code?: string }
  }
  throw new Error('expected the write to be refused')
}

describe.each([
  { mode: 'write thread', writeThread: true },
  { mode: 'main thread (writeThread: false)', writeThread: false },
])('openNodeStore(file), $mode', ({ writeThread }) => {
  it('makes an answered write visible at once to store.db and to a new connection on the file', async () => {
    const { store, file } = freshStore(writeThread)
    for (let i = 0; i < 5; i++) {
      await store.atomic([setState(store, `seen:${i}`, `value ${i}`), audit(`seen:${i}`)])
      // No waiting of any kind between the answer and the reads.
      expect(await stateValue(store, `seen:${i}`)).toBe(`value ${i}`)
      expect(await countAudit(store, `seen:${i}`)).toBe(1)
      expect(
        withFreshConnection(file, (db) =>
          db.prepare('SELECT value FROM scratch_state WHERE key = ?').pluck().get(`seen:${i}`),
        ),
      ).toBe(`value ${i}`)
      expect(
        withFreshConnection(file, (db) =>
          db.prepare('SELECT count(*) FROM audit_log WHERE subject = ?').pluck().get(`seen:${i}`),
        ),
      ).toBe(1)
    }
  })

  it('commits 200 writes made in one turn; the failing ones are refused alone and leave nothing behind', async () => {
    const { store, file } = freshStore(writeThread)
    await store.atomic([setState(store, 'taken', 'original')])

    const writes = Array.from({ length: 200 }, (_, i) => {
      if (i === 57)
        return store.atomic([
          audit('bad:dup'),
          setState(store, 'k:dup-side'),
          setState(store, 'taken', 'overwritten?'),
        ])
      if (i === 123)
        return store.atomic([
          audit('bad:guard'),
          setState(store, 'k:guard-side'),
          abortUnless(keyExists('no-such-key'), 'missing-key', 'the key is missing'),
        ])
      return store.atomic([audit(`w:${i}`), setState(store, `k:${i}`, String(i))])
    })
    const settled = await Promise.allSettled(writes)

    const refused = settled.flatMap((s, i) => (s.status === 'rejected' ? [i] : []))
    expect(refused).toEqual([57, 123])
    expect((settled[57] as PromiseRejectedResult).reason.message).toContain('UNIQUE')
    expect((settled[123] as PromiseRejectedResult).reason).toBeInstanceOf(GuardFailed)

    // Every other write of the group committed, in full.
    expect(await countState(store, 'k:%')).toBe(198)
    expect(await countAudit(store, 'w:%')).toBe(198)
    expect(await stateValue(store, 'k:199')).toBe('199')
    // Nothing of the refused writes, not even the statements that ran before the failing one.
    expect(await countAudit(store, 'bad:%')).toBe(0)
    expect(await stateValue(store, 'k:dup-side')).toBeUndefined()
    expect(await stateValue(store, 'k:guard-side')).toBeUndefined()
    expect(await stateValue(store, 'taken')).toBe('original')
    expect(
      withFreshConnection(file, (db) =>
        db.prepare(`SELECT count(*) FROM scratch_state WHERE key LIKE 'k:%'`).pluck().get(),
      ),
    ).toBe(198)
    expect(
      withFreshConnection(file, (db) => db.prepare(`SELECT count(*) FROM audit_log`).pluck().get()),
    ).toBe(198)

    // And the store goes on writing.
    await store.atomic([setState(store, 'after')])
    expect(await stateValue(store, 'after')).toBe('v')
  })

  it('applies the writes of one turn in the order they were made', async () => {
    const { store } = freshStore(writeThread)
    const first = store.atomic([setState(store, 'order:a', '1')])
    // Sees the write just before it in the same group.
    const second = store.atomic([
      abortUnless(keyExists('order:a'), 'a-first', 'a comes first'),
      scratch(store).updateTable('scratch_state').set({ value: '2' }).where('key', '=', 'order:a'),
    ])
    // Refused: the key is already there from the first write.
    const third = store.atomic([setState(store, 'order:a', '3')])
    const fourth = store.atomic([
      scratch(store)
        .updateTable('scratch_state')
        .set({ value: '4' })
        .where('key', '=', 'order:a')
        .where('value', '=', '2'),
    ])
    await first
    expect((await second)[1].changes).toBe(1)
    expect((await rejectionOf(third)).message).toContain('UNIQUE')
    expect((await fourth)[0].changes).toBe(1)
    expect(await stateValue(store, 'order:a')).toBe('4')
  })

  it('rolls back every statement of a failing write that is alone in its turn, and goes on writing', async () => {
    const { store, file } = freshStore(writeThread)
    await store.atomic([setState(store, 'taken')])
    const error = await rejectionOf(
      store.atomic([audit('lone'), setState(store, 'lone-side'), setState(store, 'taken')]),
    )
    expect(error.message).toContain('UNIQUE')
    const guard = await rejectionOf(
      store.atomic([
        audit('lone-guard'),
        abortUnless(keyExists('nope'), 'lone-code', 'the lone guard refused'),
      ]),
    )
    expect(guard).toBeInstanceOf(GuardFailed)
    expect(await countAudit(store, 'lone%')).toBe(0)
    expect(await stateValue(store, 'lone-side')).toBeUndefined()
    // The transaction was not left open: the next write commits and another connection sees it.
    await store.atomic([audit('next'), setState(store, 'next')])
    expect(
      withFreshConnection(file, (db) =>
        db.prepare(`SELECT count(*) FROM audit_log WHERE subject = 'next'`).pluck().get(),
      ),
    ).toBe(1)
  })

  it('keeps the meaning of errors: SQLite message and code, and GuardFailed with its code', async () => {
    const { store } = freshStore(writeThread)
    await store.atomic([setState(store, 'dup')])
    const duplicate = () => store.atomic([setState(store, 'dup')])

    // Alone in its turn, and in a group next to a write that commits.
    const alone = await rejectionOf(duplicate())
    const [grouped, fine] = await Promise.allSettled([
      duplicate(),
      store.atomic([setState(store, 'fine')]),
    ])
    expect(fine.status).toBe('fulfilled')
    for (const error of [alone, (grouped as PromiseRejectedResult).reason]) {
      expect(error).toBeInstanceOf(Error)
      expect(error.name).toBe('SqliteError')
      expect(error.message).toBe('UNIQUE constraint failed: scratch_state.key')
      expect(error.code).toBe('SQLITE_CONSTRAINT_PRIMARYKEY')
    }

    const refuse = () =>
      store.atomic([
        setState(store, 'guarded'),
        abortUnless(keyExists('absent'), 'absent-key', 'the key is absent'),
      ])
    const guardAlone = await rejectionOf(refuse())
    const [guardGrouped] = await Promise.allSettled([
      refuse(),
      store.atomic([setState(store, 'fine2')]),
    ])
    for (const error of [guardAlone, (guardGrouped as PromiseRejectedResult).reason]) {
      expect(error).toBeInstanceOf(GuardFailed)
      expect((error as GuardFailed).codes).toEqual(['absent-key'])
      expect((error as GuardFailed).code).toBe('absent-key')
      expect(error.message).toBe('the key is absent')
    }
    expect(await stateValue(store, 'guarded')).toBeUndefined()

    // An error SQLite raises while preparing, and one from another constraint.
    const noTable = await rejectionOf(
      store.atomic([CompiledQuery.raw('insert into no_such_table (x) values (?)', [1])]),
    )
    expect(noTable.message).toContain('no such table: no_such_table')
    expect(noTable.code).toBe('SQLITE_ERROR')
    const notNull = await rejectionOf(
      store.atomic([
        CompiledQuery.raw('insert into scratch_state (key, value) values (?, ?)', ['nn', null]),
      ]),
    )
    expect(notNull.message).toContain('NOT NULL constraint failed: scratch_state.value')
    expect(notNull.code).toBe('SQLITE_CONSTRAINT_NOTNULL')
  })

  it('returns RETURNING rows and the changes of updates and deletes', async () => {
    const { store } = freshStore(writeThread)
    const [inserted, plain, returned] = await store.atomic([
      store.db
        .insertInto('audit_log')
        .values({
          at: AT,
          actor: 'test',
          action: 'r',
          subject: 'r:1',
          before: null,
          after: '{"n":1}',
        })
        .returning(['seq', 'subject', 'after']),
      audit('r:2'),
      scratch(store)
        .insertInto('scratch_state')
        .values([
          { key: 'r:a', value: 'a' },
          { key: 'r:b', value: 'b' },
          { key: 'r:c', value: 'c' },
        ])
        .returning('key'),
    ])
    expect(inserted.rows).toEqual([{ seq: 1, subject: 'r:1', after: '{"n":1}' }])
    expect(plain).toEqual({ rows: [], changes: 1 })
    expect(returned.rows.map((r) => r.key)).toEqual(['r:a', 'r:b', 'r:c'])

    // In one group: each write gets its own results.
    const [updated, updatedReturning, deleted, none] = await Promise.all([
      store.atomic([
        scratch(store).updateTable('scratch_state').set({ value: 'x' }).where('key', 'like', 'r:%'),
      ]),
      store.atomic([
        scratch(store)
          .updateTable('scratch_state')
          .set({ value: 'y' })
          .where('key', 'in', ['r:a', 'r:b'])
          .returning(['key', 'value']),
      ]),
      store.atomic([scratch(store).deleteFrom('scratch_state').where('key', '=', 'r:c')]),
      store.atomic([
        scratch(store).updateTable('scratch_state').set({ value: 'z' }).where('key', '=', 'absent'),
      ]),
    ])
    expect(updated[0]).toEqual({ rows: [], changes: 3 })
    expect(updatedReturning[0].rows).toEqual([
      { key: 'r:a', value: 'y' },
      { key: 'r:b', value: 'y' },
    ])
    expect(deleted[0].changes).toBe(1)
    expect(none[0]).toEqual({ rows: [], changes: 0 })
    // A boolean parameter is bound as 0/1 on both paths.
    const [flag] = await store.atomic([
      CompiledQuery.raw(
        'insert into scratch_state (key, value) values (?, cast(? as integer)) returning value',
        ['flag', true],
      ),
    ])
    expect(flag.rows).toEqual([{ value: '1' }])
  })

  it('close() waits for writes still in flight; a reopened store finds them all', async () => {
    const { store, file } = freshStore(writeThread)
    const early = Array.from({ length: 10 }, (_, i) =>
      store.atomic([audit(`close:${i}`), setState(store, `close:${i}`)]),
    )
    // Let the first group leave (in flight in the thread), then make more that are still waiting.
    await new Promise((resolve) => setImmediate(resolve))
    const late = Array.from({ length: 10 }, (_, i) =>
      store.atomic([audit(`close:${10 + i}`), setState(store, `close:${10 + i}`)]),
    )
    await close(store)

    // Once close() is done, everything is on disk, before looking at the write promises.
    expect(
      withFreshConnection(file, (db) =>
        db.prepare(`SELECT count(*) FROM scratch_state WHERE key LIKE 'close:%'`).pluck().get(),
      ),
    ).toBe(20)
    expect(
      withFreshConnection(file, (db) =>
        db.prepare(`SELECT count(*) FROM audit_log WHERE subject LIKE 'close:%'`).pluck().get(),
      ),
    ).toBe(20)
    await expect(Promise.all([...early, ...late])).resolves.toHaveLength(20)

    const reopened = open(file, writeThread)
    expect(await countState(reopened, 'close:%')).toBe(20)
    await reopened.atomic([setState(reopened, 'after-reopen')])
    expect(await stateValue(reopened, 'after-reopen')).toBe('v')
  })

  it('close() commits writes made in the same turn just before it, with nothing else in flight', async () => {
    const { store, file } = freshStore(writeThread)
    await store.atomic([setState(store, 'before')])
    const writes = Array.from({ length: 5 }, (_, i) =>
      store.atomic([setState(store, `same-turn:${i}`)]),
    )
    await close(store)
    expect(
      withFreshConnection(file, (db) =>
        db.prepare(`SELECT count(*) FROM scratch_state WHERE key LIKE 'same-turn:%'`).pluck().get(),
      ),
    ).toBe(5)
    await expect(Promise.all(writes)).resolves.toHaveLength(5)
  })

  it('refuses a write made after close() began, instead of leaving it unanswered', async () => {
    const { store } = freshStore(writeThread)
    const closing = store.close()
    const late = expect(store.atomic([setState(store, 'late')])).rejects.toThrow(/not open|closed/)
    await closing
    await late
  })

  it('can be closed twice (a second stop signal while stopping)', async () => {
    const { store } = freshStore(writeThread)
    await store.atomic([setState(store, 'once')])
    await Promise.all([store.close(), store.close()])
    await store.close()
  })
})

describe('openNodeStore(file), write thread only', () => {
  it('copies the WAL back into the database file beside the writer (the checkpoint thread)', async () => {
    const { store, file } = freshStore(true)
    // Commit the schema into the file itself, so only later writes sit in the WAL.
    rawSqlite(store).pragma('wal_checkpoint(TRUNCATE)')
    const before = statSync(file).size
    // About 2 MB of rows: the writer alone would leave them in the WAL (it checkpoints only past 20,000 pages).
    const padding = 'x'.repeat(2000)
    await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        store.atomic([
          insertRow('audit_log', {
            at: AT,
            actor: 'test',
            action: 'wal',
            subject: `wal:${i}`,
            before: null,
            after: padding,
          }),
        ]),
      ),
    )
    let size = statSync(file).size
    for (let tries = 0; size <= before + 1_000_000 && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      size = statSync(file).size
    }
    expect(size).toBeGreaterThan(before + 1_000_000)
  })

  it('starts a new write thread after a crash; a write in flight is refused or, if answered, committed', async () => {
    const { store } = freshStore(true)
    await store.atomic([setState(store, 'before')])
    const thread = (
      store as unknown as {
        writeThread: () => {
          postMessage(message: unknown): void
          once(event: 'exit', listener: () => void): void
        }
      }
    ).writeThread()
    const died = new Promise<void>((resolve) => thread.once('exit', resolve))
    const inFlight = store.atomic([setState(store, 'in-flight')]).then(
      () => 'answered',
      () => 'refused',
    )
    // A message the thread cannot handle: its handler throws and the thread dies.
    thread.postMessage({ id: -1 })
    // Refused is "not known to be done" (the thread may have died after its COMMIT, as a process
    // may): callers retry with the same id. Answered must mean stored.
    if ((await inFlight) === 'answered') expect(await stateValue(store, 'in-flight')).toBe('v')
    // The in-flight write may be answered before the bad message kills the thread; a write made
    // in between would be refused too. Once the thread is gone, a new one takes writes.
    await died
    expect((store as unknown as { writeThread: () => unknown }).writeThread()).not.toBe(thread)
    await store.atomic([setState(store, 'after')])
    expect(await stateValue(store, 'after')).toBe('v')
    expect(await stateValue(store, 'before')).toBe('v')
  })

  it('writes on a connection of its own: waits for a lock held on the main connection without blocking the event loop', async () => {
    const { store } = freshStore(true)
    const main = rawSqlite(store)
    main.exec('BEGIN IMMEDIATE')
    let answered = false
    const write = store.atomic([setState(store, 'locked')]).then((r) => ((answered = true), r))
    // The event loop keeps turning (timers fire) while the thread waits for the lock.
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(answered).toBe(false)
    main.exec('COMMIT')
    await write
    expect(answered).toBe(true)
    expect(await stateValue(store, 'locked')).toBe('v')
  })

  it('keeps in-memory databases on the main thread', async () => {
    const store = openNodeStore(':memory:', { writeThread: true })
    openStores.add(store)
    migrate(rawSqlite(store))
    rawSqlite(store).exec(SCRATCH_TABLE)
    await store.atomic([setState(store, 'mem')])
    expect(await stateValue(store, 'mem')).toBe('v')
  })

  it('does not keep the process alive: a script that writes and closes (or leaves a store open) exits', async () => {
    const script = join(dir, 'exit-check.mjs')
    const src = (path: string) => JSON.stringify(new URL(path, ROOT).href)
    writeFileSync(
      script,
      `
      const { openNodeStore, rawSqlite } = await import(${src('src/db/node-store.ts')})
      const { migrate } = await import(${src('src/db/migrator.ts')})
      const file = process.argv[2]
      const store = openNodeStore(file, { writeThread: true })
      migrate(rawSqlite(store))
      rawSqlite(store).exec(${JSON.stringify(SCRATCH_TABLE)})
      const writes = Array.from({ length: 5 }, (_, i) => store.atomic([store.db.insertInto('scratch_state').values({ key: 'child:' + i, value: 'v' })]))
      await store.close()
      await Promise.all(writes)
      // Left open after its write was answered: the idle thread must not hold the process.
      const open = openNodeStore(file, { writeThread: true })
      await open.atomic([open.db.insertInto('scratch_state').values({ key: 'child:open', value: 'v' })])
      console.log('done')
      `,
    )
    const file = newFile()
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', script, file],
      { cwd: fileURLToPath(ROOT), timeout: 15_000 },
    )
    expect(stdout.trim()).toBe('done')
    expect(
      withFreshConnection(file, (db) =>
        db.prepare(`SELECT count(*) FROM scratch_state WHERE key LIKE 'child:%'`).pluck().get(),
      ),
    ).toBe(6)
  })
})
