import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.ts'
import type { Page } from '../http/paging.ts'
import { readPage } from '../http/paging.ts'
import type { DeviceRow } from './devices.table.ts'
import type { DeviceStatus } from './device-view.ts'

/** The device whose token hashes to `tokenHash` (revoked ones too: the caller decides). */
export function findDeviceByTokenHash(
  db: Kysely<Database>,
  tokenHash: string,
): Promise<DeviceRow | undefined> {
  return db.selectFrom('devices').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst()
}

/** Records that the device was seen at `at` (ISO time). */
export async function touchDevice(db: Kysely<Database>, id: string, at: string): Promise<void> {
  await db.updateTable('devices').set({ last_seen_at: at }).where('id', '=', id).execute()
}

/** The device enrolled with the one-time code that hashes to `codeHash` (kept once used, dropped when cancelled). */
export function findDeviceByCodeHash(
  db: Kysely<Database>,
  codeHash: string,
): Promise<DeviceRow | undefined> {
  return db.selectFrom('devices').selectAll().where('code_hash', '=', codeHash).executeTakeFirst()
}

/** A device with how many uploads it recorded and how many of them wait for review. */
export type DeviceWithCounts = DeviceRow & { uploads: number; review: number }

/** The device's scans and events: all of them, and those kept for review. */
function withCounts(db: Kysely<Database>) {
  return db
    .selectFrom('devices')
    .selectAll('devices')
    .select([
      // An upload is a scan or an event sent on its own: the events a scan wrote (its `arrived`,
      // with the scan's id) are part of that scan's upload.
      sql<number>`(SELECT count(*) FROM scans WHERE scans.device_id = devices.id)
        + (SELECT count(*) FROM loop_events WHERE loop_events.device_id = devices.id
           AND NOT EXISTS (SELECT 1 FROM scans s WHERE s.id = loop_events.id))`.as('uploads'),
      sql<number>`(SELECT count(*) FROM scans WHERE scans.device_id = devices.id AND scans.device_review IS NOT NULL)
        + (SELECT count(*) FROM loop_events WHERE loop_events.device_id = devices.id AND loop_events.device_review IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM scans s WHERE s.id = loop_events.id))`.as('review'),
    ])
}

export function findDevice(
  db: Kysely<Database>,
  id: string,
): Promise<DeviceWithCounts | undefined> {
  return withCounts(db).where('devices.id', '=', id).executeTakeFirst()
}

/** Devices, newest enrolment first, optionally only those in one status at `now` (ISO). */
export function listDevices(
  db: Kysely<Database>,
  filter: { status?: DeviceStatus; now: string },
  page: Page,
): Promise<{ rows: DeviceWithCounts[]; total: number }> {
  let query = withCounts(db).orderBy('devices.created_at', 'desc').orderBy('devices.id', 'desc')
  const { status, now } = filter
  if (status === 'revoked') query = query.where('devices.revoked_at', 'is not', null)
  else if (status) {
    query = query.where('devices.revoked_at', 'is', null)
    if (status === 'active') query = query.where('devices.enrolled_at', 'is not', null)
    else {
      query = query
        .where('devices.enrolled_at', 'is', null)
        .where('devices.code_expires_at', status === 'expired' ? '<=' : '>', now)
    }
  }
  return readPage(query, page)
}

/** One scan or loop event recorded with a device, as its activity list shows it. */
export interface DeviceActivityRow {
  kind: 'scan' | 'event'
  id: string
  at: string
  received_at: string
  checkpoint_code: string
  recorded_by: string
  /** A scan's verdict, an event's kind. */
  summary: string
  loop_id: string | null
  device_review: string | null
}

/** The device's scans and events, the last received first; `review`: only those kept for review. */
export function listDeviceActivity(
  db: Kysely<Database>,
  deviceId: string,
  filter: { review?: boolean },
  page: Page,
): Promise<{ rows: DeviceActivityRow[]; total: number }> {
  let scans = db
    .selectFrom('scans')
    .leftJoin('accounts', 'accounts.id', 'scans.account_id')
    .select([
      sql<'scan' | 'event'>`'scan'`.as('kind'),
      'scans.id as id',
      'scans.scanned_at as at',
      'scans.received_at as received_at',
      'scans.checkpoint_code as checkpoint_code',
      sql<string>`coalesce(accounts.role || ':' || accounts.username, scans.account_id)`.as(
        'recorded_by',
      ),
      sql<string>`scans.verdict`.as('summary'),
      'scans.loop_id as loop_id',
      'scans.device_review as device_review',
    ])
    .where('scans.device_id', '=', deviceId)
  let events = db
    .selectFrom('loop_events')
    .select([
      sql<'scan' | 'event'>`'event'`.as('kind'),
      'loop_events.id as id',
      'loop_events.at as at',
      'loop_events.received_at as received_at',
      'loop_events.checkpoint_code as checkpoint_code',
      'loop_events.recorded_by as recorded_by',
      sql<string>`loop_events.kind`.as('summary'),
      sql<string | null>`loop_events.loop_id`.as('loop_id'),
      'loop_events.device_review as device_review',
    ])
    .where('loop_events.device_id', '=', deviceId)
  if (filter.review) {
    scans = scans.where('scans.device_review', 'is not', null)
    events = events.where('loop_events.device_review', 'is not', null)
  }
  const query = db
    .selectFrom(scans.unionAll(events).as('activity'))
    .selectAll()
    .orderBy('received_at', 'desc')
    .orderBy('id', 'desc')
  return readPage(query, page)
}
