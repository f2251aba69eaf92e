/** What a kept vehicle is; pages show each in words (ui/messages/vehicles.ts `vehicleWords`). */
export const VEHICLE_KINDS = [
  'heavy_truck',
  'light_truck',
  'van',
  'refrigerated',
  'tanker',
  'other',
] as const
export type VehicleKind = (typeof VEHICLE_KINDS)[number]
