import { sql } from 'kysely'

/** Most urgent first: open before acknowledged before resolved; positives, then overdue arrivals. */
export const alertStatusOrder = sql`CASE alerts.status WHEN 'open' THEN 0 WHEN 'acknowledged' THEN 1 ELSE 2 END`
// Indexed as written (alerts_by_status_urgency, schema/0009_write_paths.sql, rebuilt in 0010): change both together.
export const alertKindOrder = sql`CASE alerts.kind WHEN 'pcr_positive' THEN 0 WHEN 'antigen_positive' THEN 1 WHEN 'destination_overdue' THEN 2 ELSE 3 END`
