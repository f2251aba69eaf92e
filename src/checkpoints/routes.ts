import { createRoute, z } from '@hono/zod-openapi'
import type { Deps } from '../app-env.ts'
import { badRequest, conflict, notFound } from '../http/errors.ts'
import { abortUnless } from '../db/guard.ts'
import { sql } from 'kysely'
import { pageHeaders, pageParams, pagedResponse, slicePage } from '../http/paging.ts'
import { bearer, commonErrors, createRouter, jsonBody, jsonResponse } from '../http/router.ts'
import { allow, signedIn } from '../auth/middleware.ts'
import { auditEntry } from '../audit-log/audit-entry.ts'
import { actorOf } from '../auth/principal.ts'
import { RegionCode } from '../regions/schemas.ts'
import { findRegion } from '../regions/regions.repository.ts'
import { ReferenceCode } from '../stations/schemas.ts'
import { CHECKPOINT_KINDS, type CheckpointRow } from './checkpoints.table.ts'
import { findCheckpoint, listCheckpoints } from './checkpoints.repository.ts'

const CheckpointBody = z
  .object({
    code: ReferenceCode,
    name: z.string().trim().min(2).max(100),
    region_code: RegionCode,
    kind: z.enum(CHECKPOINT_KINDS),
    station_code: ReferenceCode.nullish().openapi({
      description: 'for a transfer_station checkpoint: its station',
    }),
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

export function checkpointRoutes(deps: Deps) {
  const { store } = deps
  const app = createRouter()
  const find = (code: string) => findCheckpoint(store.db, code)

  app.openapi(
    createRoute({
      method: 'post',
      path: '/checkpoints',
      tags: ['reference data'],
      summary: 'Add a checkpoint (卡口)',
      description:
        'Coordinators. The region (400 `unknown_region`) and, for a checkpoint at a transfer station, its `station_code` (400 `unknown_station`) must exist; a code already used is 409 `checkpoint_exists`. Checkpoint accounts are then bound to it by code (POST /api/v1/accounts).',
      security: bearer,
      middleware: [allow('coordinator')],
      request: jsonBody(CheckpointBody),
      responses: { 201: jsonResponse(Checkpoint, 'created'), ...commonErrors },
    }),
    async (c) => {
      const body = c.req.valid('json')
      if (!(await findRegion(store.db, body.region_code))) {
        throw badRequest('unknown_region', `region ${body.region_code} does not exist`, [
          { field: 'region_code', message: 'no such region' },
        ])
      }
      if (body.station_code) {
        const station = await store.db
          .selectFrom('stations')
          .select('code')
          .where('code', '=', body.station_code)
          .executeTakeFirst()
        if (!station)
          throw badRequest('unknown_station', `station ${body.station_code} does not exist`, [
            { field: 'station_code', message: 'no such station' },
          ])
      }
      if (await find(body.code))
        throw conflict('checkpoint_exists', `checkpoint ${body.code} already exists`)
      const now = deps.clock()
      const row: CheckpointRow = {
        ...body,
        station_code: body.station_code ?? null,
        created_at: now.toISOString(),
      }
      await store.atomic([
        abortUnless(
          sql`NOT EXISTS (SELECT 1 FROM checkpoints WHERE code = ${row.code})`,
          'checkpoint_exists',
          'a checkpoint with this code already exists',
        ),
        store.db.insertInto('checkpoints').values(row),
        auditEntry(now, {
          actor: actorOf(c.get('principal')),
          action: 'checkpoint.create',
          subject: `checkpoint:${row.code}`,
          after: row,
        }),
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
      description:
        'Any signed-in role. Checkpoints by code, filtered by `kind` and `region`; paged.',
      security: bearer,
      middleware: [signedIn()],
      request: {
        query: z.object({
          kind: z.enum(CHECKPOINT_KINDS).optional(),
          region: RegionCode.optional(),
          ...pageParams({ limit: 1000, max: 1000 }),
        }),
      },
      responses: { 200: pagedResponse(Checkpoint, 'checkpoints by code'), ...commonErrors },
    }),
    async (c) => {
      const { kind, region, ...page } = c.req.valid('query')
      // A few hundred at most: read whole and paged here, the count from the same rows.
      const { rows, total } = slicePage(await listCheckpoints(store.db, { kind, region }), page)
      return c.json(rows, 200, pageHeaders(c, page, total))
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/checkpoints/{code}',
      tags: ['reference data'],
      summary: 'One checkpoint',
      description: 'Any signed-in role. 404 for an unknown code.',
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
