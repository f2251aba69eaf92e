import { z } from '@hono/zod-openapi'
import { DEVICE_EVENT_KINDS, isCoordinatorEvent } from './fold.ts'
import { ReferenceCode } from '../stations/schemas.ts'

const Result = z.object({ result: z.enum(['negative', 'positive']) })

/** What each kind of event carries in `data`; kinds not listed take an optional small object. */
export const EVENT_DATA = {
  sampled: z.object({
    tube_code: z.string().trim().min(1).max(64),
    // 即采: a PCR sample is always taken; an antigen test may come with it.
    tests: z
      .array(z.enum(['pcr', 'antigen']))
      .min(1)
      .max(2)
      .default(['pcr'])
      .refine((t) => t.includes('pcr'), 'must include pcr'),
  }),
  antigen_result: Result,
  pcr_result: Result,
  released: z.object({
    destination_code: z.string().trim().min(1).max(32),
    deadline: z.iso.datetime({ offset: true }).optional(),
  }),
  certificate_checked: z
    .object({
      sampled_at: z.iso.datetime({ offset: true }).optional(),
      issuer: z.string().max(100).optional(),
    })
    .default({}),
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

export const EventInput = z
  .object({
    id: z.uuid(),
    loop_id: z.string().min(1).max(64),
    kind: z.enum(DEVICE_EVENT_KINDS),
    at: z.iso.datetime({ offset: true }),
    checkpoint_code: ReferenceCode,
    data: z.unknown().optional(),
  })
  .openapi('LoopEventInput')

export type ParsedEvent = z.infer<typeof EventInput> & { data: Record<string, unknown> | null }

/**
 * Validates one event and its kind's data; the message names the field. A kind only a
 * coordinator's decision records (fold.ts) is refused with its own code.
 */
export function parseEvent(
  input: unknown,
):
  | { ok: true; event: ParsedEvent }
  | { ok: false; code: 'invalid_event' | 'coordinator_only'; message: string } {
  const kind = (input as { kind?: unknown } | null)?.kind
  if (typeof kind === 'string' && isCoordinatorEvent(kind)) {
    return {
      ok: false,
      code: 'coordinator_only',
      message: `kind: ${kind} is recorded only by a coordinator’s decision`,
    }
  }
  const base = EventInput.safeParse(input)
  if (!base.success) return { ok: false, code: 'invalid_event', message: issueText(base.error) }
  const schema = (EVENT_DATA as Record<string, z.ZodType>)[base.data.kind] ?? FreeData
  const data = schema.safeParse(base.data.data)
  if (!data.success)
    return { ok: false, code: 'invalid_event', message: issueText(data.error, 'data') }
  return {
    ok: true,
    event: { ...base.data, data: (data.data as Record<string, unknown> | undefined) ?? null },
  }
}

function issueText(error: z.ZodError, prefix?: string) {
  const issue = error.issues[0]
  const field = [prefix, ...(issue?.path ?? [])]
    .filter((p) => p !== undefined && p !== '')
    .join('.')
  return `${field || 'event'}: ${issue?.message ?? 'invalid'}`
}

export const EventsBody = z
  .object({ events: z.array(z.unknown()).min(1).max(500, 'at most 500 events per request') })
  .openapi('LoopEventsRequest')

export const EventResult = z
  .object({
    id: z.string().nullable(),
    status: z.enum(['accepted', 'duplicate', 'rejected']),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    flag: z
      .string()
      .optional()
      .openapi({ description: 'accepted, but it made no sense where it fell in the loop' }),
    late: z.boolean().optional().openapi({
      description: 'accepted, but its device time was more than 24 h before the server received it',
    }),
  })
  .openapi('LoopEventResult')
