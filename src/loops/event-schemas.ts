import { z } from '@hono/zod-openapi'
import { DEVICE_EVENT_KINDS, isCoordinatorEvent, type DeviceEventKind } from './fold.ts'
import { ReferenceCode } from '../stations/schemas.ts'
import { Plate } from '../vehicles/schemas.ts'

const Result = z.object({ result: z.enum(['negative', 'positive']) })

/** What each kind of event carries in `data`; kinds not listed take an optional small object. */
export const EVENT_DATA = {
  sampled: z
    .object({
      tube_code: z.string().trim().min(1).max(64),
      // 即采: a PCR sample is always taken; an antigen test may come with it.
      tests: z
        .array(z.enum(['pcr', 'antigen']))
        .min(1)
        .max(2)
        .default(['pcr'])
        .refine((t) => t.includes('pcr'), 'must include pcr'),
    })
    .openapi('SampledEventData'),
  antigen_result: Result.openapi('AntigenResultEventData'),
  pcr_result: Result.openapi('PcrResultEventData'),
  released: z
    .object({
      destination_code: z.string().trim().min(1).max(32),
      deadline: z.iso.datetime({ offset: true }).optional(),
    })
    .openapi('ReleasedEventData'),
  certificate_checked: z
    .object({
      sampled_at: z.iso.datetime({ offset: true }).optional(),
      issuer: z.string().max(100).optional(),
    })
    .openapi('CertificateCheckedEventData')
    .default({}),
  // Withdraws a result recorded by mistake, within a minute (result-correction.ts).
  result_corrected: z
    .object({
      event_id: z.uuid().openapi({ description: 'the `antigen_result` or `pcr_result` withdrawn' }),
      reason: z.string().trim().max(200).optional(),
    })
    .openapi('ResultCorrectedEventData'),
} as const

/** Nesting depth without recursion, so a hostile 100,000-deep body cannot overflow the stack. */
function depthWithin(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]]
  while (stack.length) {
    const [node, depth] = stack.pop()!
    if (node === null || typeof node !== 'object') continue
    if (depth >= limit) return false
    for (const child of Object.values(node)) stack.push([child, depth + 1])
  }
  return true
}

const FreeData = z
  .record(z.string(), z.unknown())
  .refine((d) => depthWithin(d, 8), 'data nested too deep')
  .refine((d) => depthWithin(d, 8) && JSON.stringify(d).length <= 2000, 'data too large')
  .optional()
  .openapi({ description: 'optional; a small object' })

/** One local vehicle that took (part of) a truck's load at a transfer station. */
const HandoverReceiver = z
  .object({
    plate: Plate.openapi({ description: 'the receiving local vehicle; stored normalised' }),
    pieces: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .openapi({ description: 'pieces or containers handed to it' }),
    seal_number: z.string().trim().min(1).max(32).optional(),
  })
  .strict()
  .openapi('HandoverReceiver')

/**
 * The hand-over manifest: to whom the load went (one truck's load may go to several vehicles).
 * Without `receivers` it is the free small object it always was, so older devices and queued
 * events still count; with them, every receiver must hold (else `invalid_manifest`).
 */
const HandedOverData = z
  .object({ receivers: z.array(HandoverReceiver).min(1).max(20).optional() })
  .catchall(z.unknown())
  .refine((d) => depthWithin(d, 8), 'data nested too deep')
  .refine((d) => depthWithin(d, 8) && JSON.stringify(d).length <= 2000, 'data too large')
  .optional()
  .openapi('HandedOverEventData')

/** What every event carries, whatever its kind. */
const EventBase = z.object({
  id: z.uuid(),
  loop_id: z.string().min(1).max(64),
  kind: z.enum(DEVICE_EVENT_KINDS),
  at: z.iso.datetime({ offset: true }),
  checkpoint_code: ReferenceCode,
  data: z.unknown().optional(),
})

const ofKind = <K extends DeviceEventKind, D extends z.ZodType>(kind: K, data: D, name: string) =>
  EventBase.extend({ kind: z.literal(kind), data }).openapi(name)

/** Each kind of event with its own `data`: what a device uploads. */
export const EVENT_OF_KIND = {
  arrived: ofKind('arrived', FreeData, 'ArrivedEventInput'),
  certificate_checked: ofKind(
    'certificate_checked',
    EVENT_DATA.certificate_checked,
    'CertificateCheckedEventInput',
  ),
  sampled: ofKind('sampled', EVENT_DATA.sampled, 'SampledEventInput'),
  antigen_result: ofKind('antigen_result', EVENT_DATA.antigen_result, 'AntigenResultEventInput'),
  released: ofKind('released', EVENT_DATA.released, 'ReleasedEventInput'),
  pcr_result: ofKind('pcr_result', EVENT_DATA.pcr_result, 'PcrResultEventInput'),
  destination_arrived: ofKind('destination_arrived', FreeData, 'DestinationArrivedEventInput'),
  handed_over: ofKind('handed_over', HandedOverData, 'HandedOverEventInput'),
  departed: ofKind('departed', FreeData, 'DepartedEventInput'),
  result_corrected: ofKind(
    'result_corrected',
    EVENT_DATA.result_corrected,
    'ResultCorrectedEventInput',
  ),
} satisfies { [K in DeviceEventKind]: z.ZodObject<{ kind: z.ZodLiteral<K> } & z.ZodRawShape> }

/** One uploaded event: a union on `kind`, so the document shows each kind's `data`. */
export const EventInput = z
  .discriminatedUnion(
    'kind',
    DEVICE_EVENT_KINDS.map((kind) => EVENT_OF_KIND[kind]) as unknown as [
      (typeof EVENT_OF_KIND)[DeviceEventKind],
      ...(typeof EVENT_OF_KIND)[DeviceEventKind][],
    ],
  )
  .openapi('LoopEventInput')

export type ParsedEvent = z.infer<typeof EventBase> & { data: Record<string, unknown> | null }

/**
 * Validates one event and its kind's data (`EVENT_OF_KIND`): the fields every event has first, so
 * an unknown kind is named as such; the message names the field. A kind only a coordinator's
 * decision records (fold.ts) is refused with its own code.
 */
export function parseEvent(input: unknown):
  | { ok: true; event: ParsedEvent }
  | {
      ok: false
      code: 'invalid_event' | 'invalid_manifest' | 'coordinator_only'
      message: string
    } {
  const kind = (input as { kind?: unknown } | null)?.kind
  if (typeof kind === 'string' && isCoordinatorEvent(kind)) {
    return {
      ok: false,
      code: 'coordinator_only',
      message: `kind: ${kind} is recorded only by a coordinator’s decision`,
    }
  }
  const base = EventBase.safeParse(input)
  if (!base.success) return { ok: false, code: 'invalid_event', message: issueText(base.error) }
  const full = (EVENT_OF_KIND[base.data.kind] as z.ZodType<{ data?: unknown }>).safeParse(input)
  if (!full.success) {
    // A hand-over manifest that does not hold is named as such: the device can say what to fix.
    const manifest = full.error.issues[0]?.path.slice(0, 2).join('.') === 'data.receivers'
    return {
      ok: false,
      code: manifest ? 'invalid_manifest' : 'invalid_event',
      message: issueText(full.error),
    }
  }
  return {
    ok: true,
    event: { ...base.data, data: (full.data.data as Record<string, unknown> | undefined) ?? null },
  }
}

function issueText(error: z.ZodError) {
  const issue = error.issues[0]
  const field = (issue?.path ?? []).filter((p) => p !== '').join('.')
  return `${field || 'event'}: ${issue?.message ?? 'invalid'}`
}

/**
 * Each event is checked on its own (`parseEvent`): a bad one is `rejected` in its result and the
 * rest of the batch still counts. So the body takes any item — `z.unknown()` comes first in the
 * union and always matches, `EventInput` is never run here — while the document lists each item
 * as `LoopEventInput`, the union on `kind` (`anyOf` set to it alone).
 */
const EventItem = z
  // Lazy, so the union stays one item of the document (a union inside a union is flattened).
  .union([z.unknown(), z.lazy(() => EventInput)])
  .openapi({ anyOf: [{ $ref: '#/components/schemas/LoopEventInput' }] })

export const EventsBody = z
  .object({ events: z.array(EventItem).min(1).max(500, 'at most 500 events per request') })
  .openapi('LoopEventsRequest')

export const EventResult = z
  .object({
    id: z.string().nullable(),
    status: z.enum(['accepted', 'duplicate', 'rejected']),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    flag: z.string().optional().openapi({
      description:
        'accepted, but it made no sense where it fell in the loop; or `receiver_open_loop`: a `handed_over` event gave goods to a vehicle that has an open loop from a medium- or high-risk area (recorded, and flagged on its receiver)',
    }),
    late: z.boolean().optional().openapi({
      description: 'accepted, but its device time was more than 24 h before the server received it',
    }),
  })
  .openapi('LoopEventResult')
