import { describe, expect, it } from 'vitest'
import { sqlite as compileOnly } from '../../src/db/guard.ts'
import { sql } from 'kysely'
import { firstRow, insertRow, jsonList, precompiled, rows } from '../../src/db/precompiled.ts'
import { buildTestApp } from '../support/test-app.ts'

describe('precompiled', () => {
  const openLoops = precompiled(['plate', 'since'], (db, a: { plate: string; since: string }) =>
    db
      .selectFrom('loops')
      .select(['id', 'state'])
      .where('plate', '=', a.plate)
      .where('opened_at', '>=', a.since)
      .where('closed_at', 'is', null)
      .limit(5),
  )

  it('gives the SQL and parameters Kysely would build for the same values', () => {
    for (const [plate, since] of [
      ['浙A12345', '2026-11-01T00:00:00.000Z'],
      ['沪B98765', ''],
    ]) {
      const once = openLoops({ plate, since })
      const built = compileOnly
        .selectFrom('loops')
        .select(['id', 'state'])
        .where('plate', '=', plate)
        .where('opened_at', '>=', since)
        .where('closed_at', 'is', null)
        .limit(5)
        .compile()
      expect(once.sql).toBe(built.sql)
      expect(once.parameters).toEqual(built.parameters)
    }
  })

  it('binds an argument used twice in both places', () => {
    const twice = precompiled(['code'], (db, a: { code: string }) =>
      db
        .selectFrom('loops')
        .select('id')
        .where((eb) =>
          eb.or([
            eb('entry_checkpoint_code', '=', a.code),
            eb('last_checkpoint_code', '=', a.code),
          ]),
        ),
    )
    expect(twice({ code: 'HZ-1' }).parameters).toEqual(['HZ-1', 'HZ-1'])
  })

  it('refuses a value derived from an argument, which would be frozen at its first value', () => {
    expect(() =>
      precompiled(['name'], (db, a: { name: string }) =>
        db.selectFrom('enterprises').select('id').where('name', 'like', `%${a.name}%`),
      ),
    ).toThrow(/derived/)
  })

  it('refuses an argument that does not reach the SQL as a value (it chose the query’s shape)', () => {
    expect(() =>
      precompiled(['state'], (db, a: { state: string }) =>
        a.state
          ? db.selectFrom('loops').select('id')
          : db.selectFrom('loops').select('id').where('state', '=', 'closed'),
      ),
    ).toThrow(/does not reach the SQL/)
  })
})

describe('insertRow', () => {
  it('inserts the row’s columns, leaving undefined ones to their defaults, and reuses the text', async () => {
    const t = await buildTestApp({ seed: false })
    const at = '2026-11-29T08:00:00.000Z'
    const first = insertRow('audit_log', {
      at,
      actor: 'system',
      action: 'test',
      subject: 'x:1',
      before: undefined as never,
      after: '{"a":1}',
    })
    expect(first.sql).not.toContain('"before"')
    expect(first.parameters).toEqual([at, 'system', 'test', 'x:1', '{"a":1}'])
    await t.store.atomic([
      first,
      insertRow('audit_log', {
        at,
        actor: 'system',
        action: 'test',
        subject: 'x:2',
        before: undefined as never,
        after: null,
      }),
    ])
    const query = precompiled(['subject'], (db, a: { subject: string }) =>
      db
        .selectFrom('audit_log')
        .select(['action', 'before', 'after'])
        .where('subject', '=', a.subject),
    )
    expect(await firstRow(t.store.db, query({ subject: 'x:1' }))).toEqual({
      action: 'test',
      before: null,
      after: '{"a":1}',
    })
    expect(await firstRow(t.store.db, query({ subject: 'x:2' }))).toEqual({
      action: 'test',
      before: null,
      after: null,
    })
  })
})

describe('jsonList', () => {
  it('binds a list of any length as one parameter, more than D1’s 100 included', async () => {
    const t = await buildTestApp({ seed: false })
    const at = '2026-11-29T08:00:00.000Z'
    await t.store.atomic(
      Array.from({ length: 150 }, (_, i) =>
        insertRow('audit_log', {
          at,
          actor: 'system',
          action: 'list',
          subject: `s:${i}`,
          before: null,
          after: null,
        }),
      ),
    )
    const bySubjects = precompiled(['subjects'], (db, a: { subjects: string }) =>
      db
        .selectFrom('audit_log')
        .select('subject')
        .where('subject', 'in', sql<string>`(SELECT value FROM json_each(${a.subjects}))`)
        .orderBy('seq'),
    )
    const wanted = Array.from({ length: 120 }, (_, i) => `s:${i * 2}`)
    const query = bySubjects({ subjects: jsonList([...wanted, 'nobody']) })
    expect(query.parameters).toHaveLength(1)
    expect((await rows(t.store.db, query)).map((r) => r.subject)).toEqual(
      wanted.filter((s) => Number(s.slice(2)) < 150),
    )
  })
})
