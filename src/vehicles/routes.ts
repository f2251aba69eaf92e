import { createRoute, z } from '@hono/zod-openapi'
import { sql } from 'kysely'
import type { Deps } from '../app-env.ts'
import { conflict, notFound } from '../http/errors.ts'
import { pageHeaders, pageParams, pagedResponse, readPage } from '../http/paging.ts'
import { bearer, commonErrors, createRouter, jsonBody, jsonResponse } from '../http/router.ts'
import { allow } from '../auth/middleware.ts'
import { actorOf, type Principal } from '../auth/principal.ts'
import { auditEntry } from '../audit-log/audit-entry.ts'
import { abortUnless } from '../db/guard.ts'
import { sealCrew } from './crew.ts'
import { Plate, Vehicle, VehicleBody, VehicleUpdateBody } from './schemas.ts'
import {
  findOwnVehicle,
  findVehicleByPlate,
  vehiclesQuery,
  vehicleView,
} from './vehicles.repository.ts'
import type { VehicleRow } from './vehicles.table.ts'

const IdParam = z.object({ id: z.string().min(1).max(64) })

/**
 * A firm's vehicles and their default crews, kept once (issue 19): enterprise accounts only, each
 * firm its own (another firm's vehicle answers 404 as one that does not exist). Coordinators have
 * no use for a firm's address book: what they decide on is the application, which carries its crew.
 */
export function vehicleRoutes(deps: Deps) {
  const { store } = deps
  const app = createRouter()

  async function ownVehicle(principal: Principal, id: string): Promise<VehicleRow> {
    const row = await findOwnVehicle(store.db, principal.enterpriseId!, id)
    if (!row) throw notFound('vehicle')
    return row
  }

  app.openapi(
    createRoute({
      method: 'post',
      path: '/vehicles',
      tags: ['vehicles'],
      summary: 'Keep a vehicle and its default crew',
      description:
        'Enterprise accounts, for their own firm. The crew’s ID numbers and phones are stored encrypted and answered masked. A plate the firm already keeps is 409 `vehicle_exists` (`details.vehicle_id`: the kept one); another firm may keep the same plate. Audited (`vehicle.create`, masked).',
      security: bearer,
      middleware: [allow('enterprise')],
      request: jsonBody(VehicleBody),
      responses: { 201: jsonResponse(Vehicle, 'the kept vehicle'), ...commonErrors },
    }),
    async (c) => {
      const principal = c.get('principal')!
      const enterpriseId = principal.enterpriseId!
      const body = c.req.valid('json')
      const existing = await findVehicleByPlate(store.db, enterpriseId, body.plate)
      if (existing) throw plateKept(body.plate, existing.id)
      const now = deps.clock().toISOString()
      const row: VehicleRow = {
        id: crypto.randomUUID(),
        enterprise_id: enterpriseId,
        plate: body.plate,
        kind: body.kind,
        crew: JSON.stringify(await sealCrew(deps.config.DATA_KEY, body.crew)),
        created_by: principal.accountId,
        created_at: now,
        updated_at: now,
      }
      const shown = vehicleView(row)
      await store.atomic([
        abortUnless(
          sql`NOT EXISTS (SELECT 1 FROM vehicles WHERE enterprise_id = ${enterpriseId} AND plate = ${body.plate})`,
          'vehicle_exists',
          `vehicle ${body.plate} is already kept`,
        ),
        store.db.insertInto('vehicles').values(row),
        auditEntry(deps.clock(), {
          actor: actorOf(principal),
          action: 'vehicle.create',
          subject: `vehicle:${row.id}`,
          after: shown,
        }),
      ])
      return c.json(shown, 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/vehicles',
      tags: ['vehicles'],
      summary: 'The firm’s kept vehicles, by plate',
      description:
        'Enterprise accounts: their own firm’s only, optionally one `plate`; crews masked; paged.',
      security: bearer,
      middleware: [allow('enterprise')],
      request: {
        query: z.object({ plate: Plate.optional(), ...pageParams({ limit: 200, max: 1000 }) }),
      },
      responses: { 200: pagedResponse(Vehicle, 'vehicles'), ...commonErrors },
    }),
    async (c) => {
      const query = c.req.valid('query')
      const { rows, total } = await readPage(
        vehiclesQuery(store.db, {
          enterpriseId: c.get('principal')!.enterpriseId!,
          plate: query.plate,
        }),
        query,
      )
      return c.json(rows.map(vehicleView), 200, pageHeaders(c, query, total))
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/vehicles/{id}',
      tags: ['vehicles'],
      summary: 'One kept vehicle',
      description: 'Enterprise accounts, their own firm’s (another firm’s is 404).',
      security: bearer,
      middleware: [allow('enterprise')],
      request: { params: IdParam },
      responses: { 200: jsonResponse(Vehicle, 'the vehicle'), ...commonErrors },
    }),
    async (c) =>
      c.json(vehicleView(await ownVehicle(c.get('principal')!, c.req.valid('param').id)), 200),
  )

  app.openapi(
    createRoute({
      method: 'put',
      path: '/vehicles/{id}',
      tags: ['vehicles'],
      summary: 'Change a kept vehicle’s kind or crew',
      description:
        'Enterprise accounts, their own firm’s (another firm’s is 404). `crew` replaces the whole saved crew (applications already made keep theirs). The plate cannot change: a new plate is a new vehicle. Audited (`vehicle.update`, masked before and after).',
      security: bearer,
      middleware: [allow('enterprise')],
      request: { params: IdParam, ...jsonBody(VehicleUpdateBody) },
      responses: { 200: jsonResponse(Vehicle, 'the vehicle'), ...commonErrors },
    }),
    async (c) => {
      const principal = c.get('principal')!
      const body = c.req.valid('json')
      const row = await ownVehicle(principal, c.req.valid('param').id)
      const now = deps.clock()
      const after: VehicleRow = {
        id: row.id,
        enterprise_id: row.enterprise_id,
        plate: row.plate,
        kind: body.kind ?? row.kind,
        crew: body.crew
          ? JSON.stringify(await sealCrew(deps.config.DATA_KEY, body.crew))
          : row.crew,
        created_by: row.created_by,
        created_at: row.created_at,
        updated_at: now.toISOString(),
      }
      const shown = vehicleView(after)
      await store.atomic([
        store.db
          .updateTable('vehicles')
          .set({ kind: after.kind, crew: after.crew, updated_at: after.updated_at })
          .where('id', '=', row.id)
          .where('enterprise_id', '=', row.enterprise_id),
        auditEntry(now, {
          actor: actorOf(principal),
          action: 'vehicle.update',
          subject: `vehicle:${row.id}`,
          before: vehicleView(row),
          after: shown,
        }),
      ])
      return c.json(shown, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/vehicles/{id}',
      tags: ['vehicles'],
      summary: 'Stop keeping a vehicle',
      description:
        'Enterprise accounts, their own firm’s (another firm’s is 404). Applications and passes made from it stay as they are. Audited (`vehicle.delete`, the masked vehicle).',
      security: bearer,
      middleware: [allow('enterprise')],
      request: { params: IdParam },
      responses: { 204: { description: 'no longer kept' }, ...commonErrors },
    }),
    async (c) => {
      const principal = c.get('principal')!
      const row = await ownVehicle(principal, c.req.valid('param').id)
      await store.atomic([
        store.db
          .deleteFrom('vehicles')
          .where('id', '=', row.id)
          .where('enterprise_id', '=', row.enterprise_id),
        auditEntry(deps.clock(), {
          actor: actorOf(principal),
          action: 'vehicle.delete',
          subject: `vehicle:${row.id}`,
          before: vehicleView(row),
        }),
      ])
      return c.body(null, 204)
    },
  )

  return app
}

/** 409 `vehicle_exists`, naming the vehicle the firm already keeps under that plate. */
function plateKept(plate: string, id: string) {
  return conflict('vehicle_exists', `vehicle ${plate} is already kept`, { vehicle_id: id })
}
