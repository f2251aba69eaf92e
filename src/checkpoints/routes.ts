import { createRoute, z } from '@hono/zod-openapi'
import type { Deps } from '../http/env.ts'
import { badRequest, conflict, describeGuard, notFound } from '../http/errors.ts'
import { abortUnless } from '../db/guard.ts'
import { sql } from 'kysely'
import { bearer, commonErrors, createRouter, jsonBody, jsonResponse } from '../http/router.ts'
import { allow, signedIn } from '../auth/middleware.ts'
import { actorOf, auditEntry } from '../audit/audit-entry.ts'
import { RegionCode } from '../regions/routes.ts'
import { findRegion } from '../regions/regions.repository.ts'
import { ReferenceCode } from '../stations/routes.ts'
import { CHECKPOINT_KINDS, type CheckpointRow } from './checkpoints.table.ts'

describeGuard('checkpoint_exists', 'a checkpoint with this code already exists')

const CheckpointBody = z
  .object({
    code: ReferenceCode,
    name: z.string().trim().min(2).max(100),
    region_code: RegionCode,
    kind: z.enum(CHECKPOINT_KINDS),
    station_code: ReferenceCode.nullish().openapi({ description: 'for a transfer_station checkpoint: its station' }),
  })
  .openapi('CheckpointRequest')

const Checkpoint = z
  .object({
    code: z.string(),
    name: z.string(),
    region_code: z.string(),
    kind: z.enum(CHECKPOINT_KINDS),
    station_code: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('Checkpoint')

/** Entry checkpoints open loops; the others attach to a vehicle's open loop. */
export const isEntryCheckpoint = (kind: CheckpointRow['kind']) => kind === 'highway_exit' || kind === 'road'

export function checkpointRoutes(deps: Deps) {
  const { store } = deps
  const app = createRouter()
  const find = (code: string) => store.db.selectFrom('checkpoints').selectAll().where('code', '=', code).executeTakeFirst()

  app.openapi(
    createRoute({
      method: 'post',
      path: '/checkpoints',
      tags: ['reference data'],
      summary: 'Add a checkpoint (卡口)',
      security: bearer,
      middleware: [allow('coordinator')],
      request: jsonBody(CheckpointBody),
      responses: { 201: jsonResponse(Checkpoint, 'created'), ...commonErrors },
    }),
    async (c) => {
      const body = c.req.valid('json')
      if (!(await findRegion(store.db, body.region_code))) {
        throw badRequest('unknown_region', `region ${body.region_code} does not exist`, [{ field: 'region_code', message: 'no such region' }])
      }
      if (body.station_code) {
        const station = await store.db.selectFrom('stations').select('code').where('code', '=', body.station_code).executeTakeFirst()
        if (!station) throw badRequest('unknown_station', `station ${body.station_code} does not exist`, [{ field: 'station_code', message: 'no such station' }])
      }
      if (await find(body.code)) throw conflict('checkpoint_exists', `checkpoint ${body.code} already exists`)
      const now = deps.clock()
      const row: CheckpointRow = { ...body, station_code: body.station_code ?? null, created_at: now.toISOString() }
      await store.atomic([
        abortUnless(sql`NOT EXISTS (SELECT 1 FROM checkpoints WHERE code = ${row.code})`, 'checkpoint_exists'),
        store.db.insertInto('checkpoints').values(row),
        auditEntry(store.db, now, { actor: actorOf(c.get('principal')), action: 'checkpoint.create', subject: `checkpoint:${row.code}`, after: row }),
      ])
      return c.json(row, 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/checkpoints',
      tags: ['reference data'],
      summary: 'Checkpoints',
      security: bearer,
      middleware: [signedIn()],
      request: { query: z.object({ kind: z.enum(CHECKPOINT_KINDS).optional(), region: RegionCode.optional() }) },
      responses: { 200: jsonResponse(z.array(Checkpoint), 'checkpoints'), ...commonErrors },
    }),
    async (c) => {
      const { kind, region } = c.req.valid('query')
      let query = store.db.selectFrom('checkpoints').selectAll().orderBy('code')
      if (kind) query = query.where('kind', '=', kind)
      if (region) query = query.where('region_code', '=', region)
      return c.json(await query.execute(), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/checkpoints/{code}',
      tags: ['reference data'],
      summary: 'One checkpoint',
      security: bearer,
      middleware: [signedIn()],
      request: { params: z.object({ code: ReferenceCode }) },
      responses: { 200: jsonResponse(Checkpoint, 'the checkpoint'), ...commonErrors },
    }),
    async (c) => {
      const checkpoint = await find(c.req.valid('param').code)
      if (!checkpoint) throw notFound('checkpoint')
      return c.json(checkpoint, 200)
    },
  )

  return app
}
