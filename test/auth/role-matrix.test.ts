import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { DEMO_ROLES, enterpriseBody } from '../support/reference-data.ts'

type Role = (typeof DEMO_ROLES)[number]

interface RouteCase {
  route: string
  method: string
  path: string
  /** A body valid for this role, so an allowed role succeeds and a refused one is refused for its role alone. */
  body?: (role: Role, n: number) => unknown
  allowed: Role[]
  success: number
}

const everyone: Role[] = [...DEMO_ROLES]
const coordinators: Role[] = ['admin', 'coordinator']

// API.md: reference data is written by coordinators and read by any signed-in role; enterprises
// and the whitelist belong to coordinators, except that a firm reads its own record; accounts are
// made by admins and coordinators. An admin is also a coordinator.
const ROUTES: RouteCase[] = [
  {
    route: 'GET /regions',
    method: 'GET',
    path: '/api/v1/regions?risk=high',
    allowed: everyone,
    success: 200,
  },
  {
    route: 'GET /regions/{code}',
    method: 'GET',
    path: '/api/v1/regions/310115',
    allowed: everyone,
    success: 200,
  },
  {
    route: 'PUT /regions/{code}/risk',
    method: 'PUT',
    path: '/api/v1/regions/330102/risk',
    body: (role) => ({ level: role === 'admin' ? 'medium' : 'high', reason: `set by ${role}` }),
    allowed: coordinators,
    success: 200,
  },
  {
    route: 'POST /stations',
    method: 'POST',
    path: '/api/v1/stations',
    body: (role) => ({
      code: `RM-ST-${role}`,
      name: '矩阵测试中转站',
      region_code: '330109',
      address: '测试路 1 号',
      capacity_per_day: 10,
    }),
    allowed: coordinators,
    success: 201,
  },
  {
    route: 'GET /stations',
    method: 'GET',
    path: '/api/v1/stations',
    allowed: everyone,
    success: 200,
  },
  {
    route: 'GET /stations/{code}',
    method: 'GET',
    path: '/api/v1/stations/HZ-XS-01',
    allowed: everyone,
    success: 200,
  },
  {
    route: 'PATCH /stations/{code}',
    method: 'PATCH',
    path: '/api/v1/stations/HZ-YH-01',
    body: (_role, n) => ({ capacity_per_day: 300 + n }),
    allowed: coordinators,
    success: 200,
  },
  {
    route: 'POST /checkpoints',
    method: 'POST',
    path: '/api/v1/checkpoints',
    body: (role) => ({
      code: `RM-CP-${role}`,
      name: '矩阵测试卡口',
      region_code: '330109',
      kind: 'road',
    }),
    allowed: coordinators,
    success: 201,
  },
  {
    route: 'GET /checkpoints',
    method: 'GET',
    path: '/api/v1/checkpoints',
    allowed: everyone,
    success: 200,
  },
  {
    route: 'GET /checkpoints/{code}',
    method: 'GET',
    path: '/api/v1/checkpoints/HZ-G60-XS',
    allowed: everyone,
    success: 200,
  },
  {
    route: 'POST /enterprises',
    method: 'POST',
    path: '/api/v1/enterprises',
    body: (_role, n) => enterpriseBody(900 + n),
    allowed: coordinators,
    success: 201,
  },
  {
    route: 'GET /enterprises',
    method: 'GET',
    path: '/api/v1/enterprises',
    allowed: coordinators,
    success: 200,
  },
  {
    route: 'GET /enterprises/{id} (own firm for the enterprise role)',
    method: 'GET',
    path: '/api/v1/enterprises/demo-ent-1',
    allowed: ['admin', 'coordinator', 'enterprise'],
    success: 200,
  },
  {
    route: 'POST /enterprises/{id}/whitelist',
    method: 'POST',
    path: '/api/v1/enterprises/demo-ent-3/whitelist',
    // demo-ent-3 is active at municipal level: each allowed call moves it to a new level.
    body: (role) => ({
      status: 'active',
      level: role === 'admin' ? 'provincial' : 'national',
      reason: `regraded by ${role}`,
    }),
    allowed: coordinators,
    success: 200,
  },
  {
    route: 'POST /accounts',
    method: 'POST',
    path: '/api/v1/accounts',
    body: (role) => ({
      username: `rm-${role}`,
      password: 'matrix-password',
      role: 'checkpoint',
      checkpoint_codes: ['HZ-G60-XS'],
    }),
    allowed: coordinators,
    success: 201,
  },
  {
    route: 'GET /accounts',
    method: 'GET',
    path: '/api/v1/accounts',
    allowed: coordinators,
    success: 200,
  },
]

describe('who may call what', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp()
  })

  describe.each(ROUTES)('$route', (route) => {
    it('answers 401 to an anonymous caller', async () => {
      const res = await t.call(route.method, route.path, { body: route.body?.('admin', 0) })
      expect(res.status).toBe(401)
      expect(res.json.error.code).toBe('unauthorized')
    })

    it.each(DEMO_ROLES.map((role, i) => ({ role, n: i + 1 })))(
      'answers the $role role as API.md says',
      async ({ role, n }) => {
        const res = await t.call(route.method, route.path, {
          as: role,
          body: route.body?.(role, n),
        })
        if (route.allowed.includes(role)) {
          expect(res.status, res.text).toBe(route.success)
        } else {
          expect(res.status, res.text).toBe(403)
          expect(res.json).toEqual({ error: { code: 'forbidden', message: expect.any(String) } })
        }
      },
    )
  })

  it('shows an enterprise its own record but answers 404 for another firm’s, exactly as for a missing one', async () => {
    const own = await t.call('GET', '/api/v1/enterprises/demo-ent-1', { as: 'enterprise' })
    expect(own.status).toBe(200)
    expect(own.json.id).toBe('demo-ent-1')
    const other = await t.call('GET', '/api/v1/enterprises/demo-ent-2', { as: 'enterprise' })
    const missing = await t.call('GET', '/api/v1/enterprises/no-such-firm', { as: 'enterprise' })
    expect(other.status).toBe(404)
    expect(other.text).not.toContain('demo-ent-2')
    expect(other.text).not.toContain('余杭医药')
    expect(other.json).toEqual(missing.json)
  })

  it('did not let any refused call change data', () => {
    const accounts = t.sqlite
      .prepare("SELECT username FROM accounts WHERE username LIKE 'rm-%' ORDER BY username")
      .pluck()
      .all()
    expect(accounts).toEqual(['rm-admin', 'rm-coordinator'])
    const stations = t.sqlite
      .prepare("SELECT code FROM stations WHERE code LIKE 'RM-ST-%' ORDER BY code")
      .pluck()
      .all()
    expect(stations).toEqual(['RM-ST-ADMIN', 'RM-ST-COORDINATOR'])
    const level = t.sqlite
      .prepare("SELECT whitelist_level FROM enterprises WHERE id = 'demo-ent-3'")
      .pluck()
      .get()
    expect(level).toBe('national')
  })
})
