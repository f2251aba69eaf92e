/**
 * The published reasons a coordinator rejects an application for (GET
 * /api/v1/applications/rejection-reasons). Each has its words in both languages here, as the API
 * answers them and the pages show them (src/ui/i18n.ts merges them into its code words), so the
 * firm reads the same words the coordinator picked. `other` needs free text; the rest may add it.
 */
export const REJECTION_REASONS = {
  incomplete_documents: { zh: '材料不全', en: 'Documents incomplete' },
  cargo_not_eligible: { zh: '货物不属于保障范围', en: 'Cargo not eligible for a pass' },
  route_not_allowed: { zh: '路线或目的地不符合要求', en: 'Route or destination not allowed' },
  vehicle_has_open_loop: { zh: '该车辆尚未闭环', en: 'The vehicle has an open loop' },
  enterprise_not_eligible: { zh: '企业不符合申请条件', en: 'Enterprise not eligible' },
  duplicate_application: { zh: '重复申请', en: 'Duplicate application' },
  other: { zh: '其他原因', en: 'Other reason' },
} as const satisfies Record<string, { zh: string; en: string }>

export type RejectionCode = keyof typeof REJECTION_REASONS
export const REJECTION_CODES = Object.keys(REJECTION_REASONS) as [RejectionCode, ...RejectionCode[]]

/** The published list, both languages in every entry (the same answer for every reader). */
export const rejectionReasonList = () =>
  REJECTION_CODES.map((code) => ({
    code,
    text_zh: REJECTION_REASONS[code].zh,
    text_en: REJECTION_REASONS[code].en,
  }))
