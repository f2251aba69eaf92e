import { createRoute, z } from '@hono/zod-openapi'
import type { Context, TypedResponse } from 'hono'
import type { Deps } from '../app-env.ts'
import { bearer, commonErrors, createRouter, jsonBody, jsonResponse } from '../http/router.ts'
import { allow } from '../auth/middleware.ts'
import { ReferenceCode } from '../stations/schemas.ts'
import type { Verifier } from '../trust/key-resolver.ts'
import { ACTIONS, SCAN_WARNINGS, VERDICT_REASONS } from './decide-verdict.ts'
import { recordScan } from './record-scan.ts'
import { ArrivalReport } from '../arrivals/schemas.ts'

/** The demo data's highway-exit (entry) checkpoint, the one the demo checkpoint account works at. */
const DEMO_ENTRY_CHECKPOINT = 'HZ-G60-XS'

const ScanBody = z
  .object({
    id: z.uuid().openapi({
      description:
        'made by the device; a retry with the same id and the same request answers the same (only at a checkpoint of the first scan: else 403 `checkpoint_not_yours`); another request with a used id is 409 `id_reused`',
    }),
    // Any text up to 4 KB: a token that is not a pass is an answer (`malformed`), not a 400.
    token: z.string().max(4096).optional(),
    pass_number: z
      .string()
      .regex(/^\d{12}$/, '12 digits')
      .optional()
      .openapi({
        description:
          'typed by hand when the QR cannot be read: the stored token of this issuer’s pass is checked',
      }),
    checkpoint_code: ReferenceCode.openapi({ example: DEMO_ENTRY_CHECKPOINT }),
    observed_plate: z.string().max(20).nullish(),
    scanned_at: z.iso.datetime({ offset: true }).nullish().openapi({
      description:
        'device time; default: now. More than 5 minutes ahead of the server: 400 `scanned_at_in_future`; more than 24 h back: accepted, marked `late`',
    }),
    receipt: z
      .string()
      .max(4096)
      .nullish()
      .openapi({ description: 'a test receipt token shown beside the pass' }),
  })
  .refine((b) => b.token !== undefined || b.pass_number !== undefined, {
    message: 'send the token or a pass_number',
    path: ['token'],
  })
  .openapi('ScanRequest', {
    // A pass number typed by hand at the demo data's entry checkpoint (the QR's `token` is long).
    example: {
      id: '6f1c2a4e-8b3d-4c5e-9f7a-1b2c3d4e5f60',
      pass_number: '330100000001',
      checkpoint_code: DEMO_ENTRY_CHECKPOINT,
      observed_plate: '浙A12345',
    },
  })

/**
 * Every reason a verdict can carry: the scan's, and `no_pass` from opening a loop by hand
 * (POST /api/v1/loops), so a client reads both answers with one list.
 */
const VerdictReason = z.enum([...VERDICT_REASONS, 'no_pass']).openapi('VerdictReason', {
  description:
    '`malformed`: not a pass token, or a typed number of no pass here (查无此证); `bad_signature`; `unknown_key`: signed by a key not trusted here; `not_yet_valid`, `expired`: outside the pass window; `revoked`; `superseded`: the vehicle has a newer pass; `enterprise_not_whitelisted`; `plate_mismatch`: the observed plate is not the pass’s; `loop_open`: the vehicle already has an open loop (about this entry: `pass_status` stays `valid`); `no_pass`: only from POST /api/v1/loops, a vehicle without a pass whose loop was opened by hand',
})

const ScanAnswer = z
  .object({
    id: z.string(),
    verdict: z
      .enum(['valid', 'invalid'])
      .openapi({ description: 'the entry decision: every reason counts, `loop_open` too' }),
    pass_status: z.enum(['valid', 'invalid']).openapi({
      description:
        'the pass itself (signature, window, revocation, supersession, whitelist, plate), apart from the entry decision: a valid pass meeting an open loop is `valid` here',
    }),
    reasons: z.array(VerdictReason),
    action: z.enum(ACTIONS),
    late: z.boolean().openapi({
      description: 'the device time was more than 24 h before the server received the scan',
    }),
    flags: z.array(z.string()).optional().openapi({
      description:
        '`no_open_loop`: seen at a station or destination without an open loop; `unexpected_destination`: seen at a station or destination that the open loop neither involves nor expects (not its release destination, nor — before release — the pass’s destination station): the arrival is not recorded there; `loop_not_opened`: a valid entry scan that opened no loop, because its pass is no longer valid now, for a late scan its device time lies outside the pass window, or its device time lies before the plate’s latest loop opened or closed',
    }),
    warnings: z.array(z.enum(SCAN_WARNINGS)).optional().openapi({
      description:
        '`manual_loop_open`: the vehicle also has a loop opened by hand without a pass (`manual_loop` names it); it never holds the pass, and the pass never joins it: the pass goes on in its own loop. `trust_data_old`: another issuer’s status list behind the verdict is older than TRUST_WARN_AGE (`trust.age_seconds`). `trust_data_stale`: older than TRUST_MAX_AGE: a revocation may be missing, so the action is never `release` (a receipt or a recent negative still gives `sample_then_release`); it never turns a truck back',
    }),
    trust: z
      .object({
        source: z.enum(['database', 'status_list', 'none']),
        age_seconds: z.number().int().min(0).nullable(),
      })
      .optional()
      .openapi({
        description:
          'where the revocation data behind the verdict came from, and how old it is. `database`: a pass of this issuer, checked against this deployment’s own records (`age_seconds` 0). `status_list`: another issuer’s pass, checked against the status list last fetched from that issuer (`age_seconds`: whole seconds since it was fetched or confirmed current; see `warnings`). `none` (`age_seconds` null): another issuer whose status list is not held here, so its revocations are unknown; or a token that did not verify, so nothing was looked up. Absent only from answers stored before this field existed (a retry gets the stored answer as it was)',
      }),
    checkpoint: z.object({ code: z.string(), kind: z.string() }),
    scanned_at: z.string(),
    pass: z
      .object({
        number: z.string(),
        plate: z.string(),
        valid_from: z.string(),
        valid_until: z.string(),
        origin_region_code: z.string(),
        destination_code: z.string(),
        issuer_code: z.string(),
        status: z.string().optional(),
        enterprise_id: z.string().optional(),
        origin: z
          .object({ code: z.string(), name: z.string(), risk_level: z.string() })
          .optional()
          .openapi({ description: 'the origin region by name, with its current risk level' }),
        destination_name: z.string().optional().openapi({
          description: 'the destination station’s name, or the region and address',
        }),
        crew: z
          .array(z.object({ name_masked: z.string() }))
          .optional()
          .openapi({
            description: 'crew names masked (王*国) for the identity check; nothing else',
          }),
      })
      .optional(),
    test_valid_until: z.string().optional().openapi({
      description: 'until when a negative test (receipt, or the loop’s result) spares a new sample',
    }),
    loop: z
      .object({ id: z.string(), state: z.string(), alerting: z.boolean() })
      .optional()
      .openapi({
        description:
          'the pass’s loop this scan opened or joined; or the open loop it met, only when that loop involves one of your checkpoints',
      }),
    booking: z
      .object({
        id: z.string().nullable(),
        starts_at: z.string().nullable(),
        ends_at: z.string().nullable(),
        timing: z.enum(['on_time', 'early', 'late', 'none']),
      })
      .optional()
      .openapi({
        description:
          'at a transfer station’s checkpoint (a verified pass): the pass’s live booking there, marked `arrived` when the scan records the arrival, and how the arrival stands against its slot (`none`: not booked). Information only: it never changes the verdict or the action',
      }),
    manual_loop: z.object({ id: z.string(), checkpoint_code: z.string() }).optional().openapi({
      description:
        'with the `manual_loop_open` warning: the loop opened by hand for this plate, and where',
    }),
    receipt: z
      .object({
        status: z.enum(['valid', 'receipt_invalid', 'receipt_expired', 'receipt_mismatch']),
        test: z.string().optional(),
        sampled_at: z.string().optional(),
        expires_at: z.string().optional(),
        issuer_code: z.string().optional(),
      })
      .optional()
      .openapi({
        description: 'present when a receipt was shown; never turns a valid pass invalid',
      }),
    arrival_report: ArrivalReport.optional().openapi({
      description: 'the matching pre-arrival report, for information',
    }),
  })
  .openapi('ScanAnswer')

/**
 * The answer as `recordScan` encoded it (the text stored with the scan, which a retry gets back
 * byte for byte): sent as is, not parsed and re-encoded. The text cannot be checked against
 * ScanAnswer by the compiler, so this is the one place that says it is one; the scan tests read it.
 */
const encodedScanAnswer = (c: Context, json: string) =>
  c.body(json, 200, { 'content-type': 'application/json' }) as unknown as TypedResponse<
    z.input<typeof ScanAnswer>,
    200,
    'json'
  >

export function scanRoutes(deps: Deps, verifier: Verifier) {
  const app = createRouter()
  app.openapi(
    createRoute({
      method: 'post',
      path: '/scans',
      tags: ['checkpoints'],
      summary: 'Scan a pass: the verdict, every reason, and what to do',
      description:
        'Checkpoint staff, at one of their own checkpoints (else 403 `checkpoint_not_yours`). Never turns a truck back: any blocking reason gives `control_on_site`. A valid scan at an entry checkpoint opens the loop (`arrived`); at a transfer station or destination it records `destination_arrived` on the pass’s open loop when that checkpoint is involved in it or expected (else flagged `unexpected_destination`). Every scan is stored, failed ones too. An `id` a loop event already has is 409 `id_reused`. Sent by an enrolled scanner (`X-Tongxing-Device` with its time and signature headers), the scan records that device; the device check answers 403 `device_unknown`, `device_signature_invalid`, `device_time_in_future`, `device_wrong_checkpoint` or `device_revoked` (`details.kept_for_review`: a scan the device signed before it was revoked is stored, marked for review), and with REQUIRE_DEVICE=1 an unsigned scan is 403 `device_required`.',
      security: bearer,
      middleware: [allow('checkpoint')],
      request: jsonBody(ScanBody),
      responses: { 200: jsonResponse(ScanAnswer, 'the verdict'), ...commonErrors },
    }),
    async (c) =>
      encodedScanAnswer(
        c,
        await recordScan(deps, verifier, c.get('principal')!, c.req.valid('json'), c.get('device')),
      ),
  )
  return app
}
