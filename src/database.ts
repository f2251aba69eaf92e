import type { LoopCheckpointsTable, LoopEventsTable, LoopsTable } from './loops/loops.table.ts'
import type { AlertsTable } from './alerts/alerts.table.ts'
import type { ScansTable } from './scans/scans.table.ts'
import type { DevicesTable } from './devices/devices.table.ts'
import type { ArrivalReportsTable } from './arrivals/arrivals.table.ts'
import type { Generated } from 'kysely'
import type { AuditLogTable, AuditSealsTable } from './audit-log/audit.table.ts'
import type { AccountsTable } from './auth/accounts.table.ts'
import type { CheckpointsTable } from './checkpoints/checkpoints.table.ts'
import type { EnterprisesTable, WhitelistDecisionsTable } from './enterprises/enterprises.table.ts'
import type { RegionRiskChangesTable, RegionsTable } from './regions/regions.table.ts'
import type { StationsTable } from './stations/stations.table.ts'
import type { StationBookingsTable } from './stations/bookings.table.ts'
import type { HandoverReceiversTable } from './loops/handover.table.ts'
import type { ApplicationsTable } from './applications/applications.table.ts'
import type { VehiclesTable } from './vehicles/vehicles.table.ts'
import type { DecommissionsTable } from './decommission/decommission.table.ts'
import type {
  PassStatusChangesTable,
  PassesTable,
  TrustedIssuersTable,
} from './passes/passes.table.ts'

/** Every table, as Kysely sees it. Each feature folder owns its `*.table.ts`. */
export interface Database {
  accounts: AccountsTable
  regions: RegionsTable
  region_risk_changes: RegionRiskChangesTable
  stations: StationsTable
  station_bookings: StationBookingsTable
  checkpoints: CheckpointsTable
  enterprises: EnterprisesTable
  whitelist_decisions: WhitelistDecisionsTable
  applications: ApplicationsTable
  vehicles: VehiclesTable
  passes: PassesTable
  pass_status_changes: PassStatusChangesTable
  trusted_issuers: TrustedIssuersTable
  loops: LoopsTable
  loop_events: LoopEventsTable
  loop_checkpoints: LoopCheckpointsTable
  handover_receivers: HandoverReceiversTable
  scans: ScansTable
  devices: DevicesTable
  alerts: AlertsTable
  arrival_reports: ArrivalReportsTable
  audit_log: AuditLogTable
  audit_seals: AuditSealsTable
  decommissions: DecommissionsTable
  login_failures: { id: Generated<number>; account_key: string; address: string; at: string }
}
