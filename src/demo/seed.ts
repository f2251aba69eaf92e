import type { Store } from '../db/store.ts'
import type { Config } from '../config.ts'
import { auditEntry } from '../audit-log/audit-entry.ts'
import { hashPassword } from '../auth/password.ts'
import { countAccounts, findAccountByUsername } from '../auth/accounts.repository.ts'
import { encryptPersonal, maskPhone } from '../privacy/personal-data.ts'
import { usccCheckCharacter } from '../enterprises/uscc.ts'
import type {
  EnterpriseRow,
  WhitelistLevel,
  WhitelistStatus,
} from '../enterprises/enterprises.table.ts'
import type { RiskLevel } from '../regions/regions.table.ts'
import type { Role } from '../auth/accounts.table.ts'

/**
 * What every start seeds (Node and Workers). On an empty database (no accounts yet): the
 * ADMIN_USERNAME account and, with SEED_DEMO, the demo data, together in one write — the admin no
 * longer makes the database look in use before the demo data is written. A demo login with the
 * admin's username, in any letter case, is left out (the configured password wins; usernames are
 * unique regardless of case, so both would fail the whole write). On a database in use: only the
 * configured admin, if it is missing. Returns what it created, for the start-up log.
 */
export async function seedOnStart(
  store: Store,
  config: Config,
  now: Date,
): Promise<{ admin: string | null; demoLogins: DemoLogin[] }> {
  if ((await countAccounts(store.db)) > 0)
    return { admin: await bootstrapAdmin(store, config, now), demoLogins: [] }
  const { ADMIN_USERNAME: username, ADMIN_PASSWORD: password } = config
  const admin = username && password ? username : null
  const writes: Parameters<Store['atomic']>[0][number][] = []
  if (admin)
    writes.push(
      ...(await accountWrites(store, now, { username: admin, password: password!, role: 'admin' })),
    )
  const demoLogins = config.SEED_DEMO
    ? DEMO_LOGINS.filter((login) => !admin || !sameUsername(login.username, admin))
    : []
  if (config.SEED_DEMO) writes.push(...(await demoWrites(store, config, now, demoLogins)))
  if (writes.length === 0) return { admin: null, demoLogins: [] }
  try {
    await store.atomic(writes)
  } catch (error) {
    // Another process or isolate seeded the empty database first: nothing left to do.
    if ((await countAccounts(store.db)) > 0) return { admin: null, demoLogins: [] }
    throw error
  }
  return { admin, demoLogins }
}

/**
 * Whether two usernames name one account, as the database decides: `accounts.username` is
 * `COLLATE NOCASE`, which folds only ASCII letters (so not `toLowerCase`, which also folds e.g. the
 * Kelvin sign into `k`).
 */
export function sameUsername(a: string, b: string): boolean {
  const fold = (name: string) => name.replace(/[A-Z]/g, (letter) => letter.toLowerCase())
  return fold(a) === fold(b)
}

/**
 * Runs `seed` on the first call and shares it while it runs; once it failed (a database briefly
 * unreachable, a clash in the data) the next call runs it again. For a Workers isolate, which seeds
 * on its first request: a failure kept would fail every request for the isolate's life.
 */
export function seedOnFirstUse<T>(seed: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined
  return () =>
    (running ??= seed().catch((error: unknown) => {
      running = undefined
      throw error
    }))
}

/** Creates the ADMIN_USERNAME account on first start, if configured and not there yet. */
export async function bootstrapAdmin(
  store: Store,
  config: Config,
  now: Date,
): Promise<string | null> {
  const { ADMIN_USERNAME: username, ADMIN_PASSWORD: password } = config
  if (!username || !password) return null
  if (await findAccountByUsername(store.db, username)) return null
  await store.atomic(await accountWrites(store, now, { username, password, role: 'admin' }))
  return username
}

export interface DemoLogin {
  username: string
  password: string
  role: Role
  binding?: string
}

export const DEMO_LOGINS: DemoLogin[] = [
  { username: 'admin', password: 'tongxing-admin', role: 'admin' },
  { username: 'coordinator', password: 'tongxing-coord', role: 'coordinator' },
  { username: 'enterprise', password: 'tongxing-firm', role: 'enterprise', binding: 'demo-ent-1' },
  {
    username: 'checkpoint',
    password: 'tongxing-check',
    role: 'checkpoint',
    binding: 'HZ-G60-XS,HZ-TS-XS,HZ-DEST-BJ',
  },
]

const RISKS: [string, RiskLevel, string][] = [
  ['310115', 'high', '本土聚集性疫情 (demo)'],
  ['310104', 'high', '本土聚集性疫情 (demo)'],
  ['320583', 'medium', '关联病例活动轨迹 (demo)'],
  ['440305', 'medium', '关联病例活动轨迹 (demo)'],
]

const uscc = (first17: string) => first17 + usccCheckCharacter(first17)

const ENTERPRISES: [string, string, string, WhitelistStatus, WhitelistLevel | null][] = [
  ['demo-ent-1', uscc('91330109MA2H3K7Q1'), '杭州萧山民生物流有限公司', 'active', 'provincial'],
  ['demo-ent-2', uscc('91330110MA2J8L4N2'), '余杭医药冷链配送有限公司', 'active', 'national'],
  ['demo-ent-3', uscc('91330108MA2K5P9R3'), '滨江粮油供应链有限公司', 'active', 'municipal'],
  ['demo-ent-4', uscc('91330106MA2L2T6U4'), '西湖快递服务有限公司', 'pending', null],
  ['demo-ent-5', uscc('91330102MA2M7W3X5'), '上城建材贸易有限公司', 'suspended', 'municipal'],
]

/**
 * Demo data for a first start on an empty database: risk levels in a few regions, Hangzhou's
 * transfer stations and checkpoints, firms on and off the whitelist, and one account per role.
 * Returns false (and writes nothing) if the database already has accounts.
 */
export async function seedDemo(store: Store, config: Config, now: Date): Promise<boolean> {
  if ((await countAccounts(store.db)) > 0) return false
  await store.atomic(await demoWrites(store, config, now, DEMO_LOGINS))
  return true
}

/** The writes of the demo data with the given demo logins. */
async function demoWrites(store: Store, config: Config, now: Date, logins: DemoLogin[]) {
  const at = now.toISOString()
  const db = store.db
  const writes: Parameters<Store['atomic']>[0][number][] = []
  for (const [code, level, reason] of RISKS) {
    writes.push(
      db
        .updateTable('regions')
        .set({
          risk_level: level,
          risk_reason: reason,
          risk_changed_at: at,
          risk_changed_by: 'system',
        })
        .where('code', '=', code),
      db
        .insertInto('region_risk_changes')
        .values({ region_code: code, previous_level: 'low', level, reason, actor: 'system', at }),
    )
  }
  writes.push(
    db.insertInto('stations').values([
      {
        code: 'HZ-XS-01',
        name: '萧山空港物资中转站',
        region_code: '330109',
        address: '杭州市萧山区空港大道 1 号',
        capacity_per_day: 400,
        opening_hours: '00:00-24:00',
        is_open: 1,
        created_at: at,
      },
      {
        code: 'HZ-YH-01',
        name: '余杭仁和物资中转站',
        region_code: '330110',
        address: '杭州市余杭区仁和街道 88 号',
        capacity_per_day: 250,
        opening_hours: '06:00-22:00',
        is_open: 1,
        created_at: at,
      },
    ]),
    db.insertInto('checkpoints').values([
      {
        code: 'HZ-G60-XS',
        name: 'G60 沪昆高速萧山出口',
        region_code: '330109',
        kind: 'highway_exit',
        station_code: null,
        created_at: at,
      },
      {
        code: 'HZ-G92-YH',
        name: 'G92 杭州湾环线余杭出口',
        region_code: '330110',
        kind: 'highway_exit',
        station_code: null,
        created_at: at,
      },
      {
        code: 'HZ-RD-104',
        name: '104 国道西湖卡口',
        region_code: '330106',
        kind: 'road',
        station_code: null,
        created_at: at,
      },
      {
        code: 'HZ-TS-XS',
        name: '萧山空港中转站卡口',
        region_code: '330109',
        kind: 'transfer_station',
        station_code: 'HZ-XS-01',
        created_at: at,
      },
      {
        code: 'HZ-DEST-BJ',
        name: '滨江物流园收货点',
        region_code: '330108',
        kind: 'destination',
        station_code: null,
        created_at: at,
      },
    ]),
  )
  for (const [id, code, name, status, level] of ENTERPRISES) {
    const phone = `1380571${id.slice(-1).padStart(4, '0')}`
    const row: EnterpriseRow = {
      id,
      uscc: code,
      name,
      contact_name: '王经理',
      contact_phone_enc: await encryptPersonal(config.DATA_KEY, phone),
      contact_phone_masked: maskPhone(phone),
      region_code: code.slice(2, 8),
      whitelist_status: status,
      whitelist_level: level,
      created_at: at,
    }
    writes.push(
      db.insertInto('enterprises').values(row),
      db.insertInto('whitelist_decisions').values({
        enterprise_id: id,
        previous_status: null,
        previous_level: null,
        status: 'pending',
        level: null,
        reason: 'registered',
        actor: 'system',
        at,
      }),
    )
    if (status !== 'pending') {
      writes.push(
        db.insertInto('whitelist_decisions').values({
          enterprise_id: id,
          previous_status: 'pending',
          previous_level: null,
          status: 'active',
          level,
          reason: '保供企业 (demo)',
          actor: 'system',
          at,
        }),
      )
    }
    if (status === 'suspended') {
      writes.push(
        db.insertInto('whitelist_decisions').values({
          enterprise_id: id,
          previous_status: 'active',
          previous_level: level,
          status,
          level,
          reason: '车辆未按规定闭环 (demo)',
          actor: 'system',
          at,
        }),
      )
    }
  }
  for (const login of logins) writes.push(...(await accountWrites(store, now, login)))
  writes.push(
    auditEntry(now, {
      actor: 'system',
      action: 'demo.seed',
      subject: 'service',
      after: { enterprises: ENTERPRISES.length, accounts: logins.length },
    }),
  )
  return writes
}

async function accountWrites(store: Store, now: Date, login: DemoLogin) {
  const id = crypto.randomUUID()
  const row = {
    id,
    username: login.username,
    password_hash: await hashPassword(login.password),
    role: login.role,
    enterprise_id: login.role === 'enterprise' ? (login.binding ?? null) : null,
    checkpoint_codes: JSON.stringify(
      login.role === 'checkpoint' ? (login.binding ?? '').split(',') : [],
    ),
    disabled: 0,
    created_at: now.toISOString(),
    created_by: null,
  }
  return [
    store.db.insertInto('accounts').values(row),
    auditEntry(now, {
      actor: 'system',
      action: 'account.create',
      subject: `account:${id}`,
      after: { username: row.username, role: row.role },
    }),
  ]
}
