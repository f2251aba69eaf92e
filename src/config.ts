import { z } from 'zod'

const flag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true')

/** Everything configurable, validated once, from `process.env` on Node or `env` on Workers. */
export const ConfigSchema = z.object({
  ISSUER_CODE: z
    .string()
    .regex(/^\d{6}$/, 'a 6-digit region code')
    .default('330100'),
  ISSUER_NAME: z.string().min(1).default('杭州市疫情防控指挥部 货运专班'),
  LOGIN_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 86400)
    .default(12 * 3600),
  MAX_PASS_DAYS: z.coerce.number().int().min(1).max(366).default(30),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(3600).default(300),
  RESULT_OVERDUE_HOURS: z.coerce.number().min(0.1).default(8),
  RELEASE_DEADLINE_HOURS: z.coerce.number().min(0.1).default(6),
  REPORT_LEAD_HOURS: z.coerce.number().min(0).default(24),
  /** HMAC secret for login tokens, at least 32 characters. */
  TOKEN_SECRET: z.string().min(32),
  /** AES-256-GCM key for personal data, base64 of 32 bytes. */
  DATA_KEY: z.string().refine((v) => decodeBase64(v)?.length === 32, 'base64 of 32 bytes'),
  /**
   * Earlier data keys, comma-separated, still opened (never used to seal) while
   * `npm run keys:rotate-data` moves the data under DATA_KEY; removed once it has.
   */
  DATA_KEY_PREVIOUS: z
    .string()
    .refine(
      (v) =>
        v
          .split(',')
          .map((k) => k.trim())
          .filter(Boolean)
          .every((k) => decodeBase64(k)?.length === 32),
      'comma-separated base64 keys of 32 bytes',
    )
    .optional(),
  /**
   * Personal data of a trip (crew, pre-arrival reports, scan input) is erased this many days
   * after its pass expires or its loop closes, whichever is later; never while an alert is open.
   */
  RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(28),
  /**
   * JSON array of Ed25519 private JWKs with `kid`; the last one signs. Checked here so a mangled
   * value (backslashes kept from quoting) fails at start, not at the first pass signed.
   */
  SIGNING_KEYS: z.string().refine(isJsonArray, 'a JSON array of Ed25519 private JWKs'),
  ADMIN_USERNAME: z.string().min(3).max(64).optional(),
  ADMIN_PASSWORD: z.string().min(8).max(256).optional(),
  SEED_DEMO: flag.default(true),
  /**
   * Password guessing: after LOGIN_SLOW_AFTER failures in the window each try of that account
   * waits twice as long as the one before (from LOGIN_SLOWDOWN_STEP_MS up to LOGIN_MAX_DELAY_MS);
   * the right password is never refused.
   */
  LOGIN_WINDOW_MINUTES: z.coerce.number().int().min(1).default(15),
  LOGIN_SLOW_AFTER: z.coerce.number().int().min(1).default(5),
  /** Per client address, higher: many staff may share one address. Past it, wrong passwords answer 429. */
  LOGIN_ADDRESS_LOCK_AFTER: z.coerce.number().int().min(2).default(50),
  LOGIN_SLOWDOWN_STEP_MS: z.coerce.number().int().min(0).max(5000).default(500),
  /** Behind a reverse proxy: take the client address from `X-Forwarded-For` (the proxy's own address is shared by everyone). */
  TRUST_PROXY: flag.default(false),
  /** The latest release deadline checkpoint staff may set; a coordinator may set a later one. */
  MAX_RELEASE_DEADLINE_HOURS: z.coerce
    .number()
    .min(1)
    .max(24 * 14)
    .default(24),
  /** At most this many events on one loop; more are rejected (`loop_full`). */
  MAX_LOOP_EVENTS: z.coerce.number().int().min(20).max(10_000).default(200),
  /**
   * Approvals with a clock: an application waiting longer than this is marked overdue in the
   * coordinators' queue (API `overdue`, the queue page).
   */
  APPROVAL_TARGET_HOURS: z.coerce.number().min(0.1).max(720).default(4),
  /**
   * Bulk applications: at most this many rows in one file. Each row costs about five statements,
   * and D1 caps the queries of one Worker invocation (1,000 on the paid plan): wrangler.toml
   * sets 150 there.
   */
  BULK_MAX_ROWS: z.coerce.number().int().min(1).max(5000).default(500),
  /** An application may start at most this many days ahead. */
  MAX_APPLICATION_LEAD_DAYS: z.coerce.number().int().min(1).max(366).default(30),
  /** QR images are never drawn wider than this (pixels). */
  QR_MAX_WIDTH: z.coerce.number().int().min(64).max(4096).default(1024),
  /** Entries older than this and still unsealed are reported by the audit check. */
  AUDIT_SEAL_GRACE_SECONDS: z.coerce.number().int().min(1).default(120),
  /**
   * A signed audit head goes to the anchor outside the database at most this often (0: every
   * seal); seals in between are checked against the database and the sealer's memory only.
   */
  AUDIT_ANCHOR_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  /** The longest a sign-in is held back by the per-account delay. */
  LOGIN_MAX_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(30_000),
  /**
   * Nationwide trust (README, Nationwide use): how often other issuers' JWKS and status lists are
   * fetched (Node timer; on Workers the minute cron, so at most once a minute), and how old trust
   * data may be before an offline verdict warns (TRUST_WARN_AGE) and before it is stale
   * (TRUST_MAX_AGE: never `release` on it). Seconds.
   */
  TRUST_REFRESH_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  TRUST_WARN_AGE: z.coerce
    .number()
    .int()
    .min(60)
    .default(24 * 3600),
  TRUST_MAX_AGE: z.coerce
    .number()
    .int()
    .min(60)
    .default(72 * 3600),
  /**
   * Scanner devices (issue 18): `1` refuses checkpoint staff's writes (scans, loop events, manual
   * loops) not signed by an enrolled device (`403 device_required`). Off by default, so the API
   * and clients without a device keep working.
   */
  REQUIRE_DEVICE: flag.default(false),
  /**
   * Where people open the service, e.g. `https://tx.example.cn`. A browser's `Origin` equal to it
   * counts as our own, for a proxy that rewrites `Host` and sends no `X-Forwarded-Host`.
   */
  PUBLIC_ORIGIN: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .refine(isOrigin, 'an origin such as https://tx.example.cn (no path)')
      .transform((v) => new URL(v).origin)
      .optional(),
  ),
})

function isOrigin(text: string): boolean {
  try {
    const url = new URL(text)
    return (
      (url.protocol === 'https:' || url.protocol === 'http:') &&
      url.pathname === '/' &&
      !url.search &&
      !url.hash &&
      !url.username
    )
  } catch {
    return false
  }
}

export type Config = z.infer<typeof ConfigSchema>

const CheckedConfig = ConfigSchema.refine((c) => c.TRUST_MAX_AGE >= c.TRUST_WARN_AGE, {
  path: ['TRUST_MAX_AGE'],
  message: 'at least TRUST_WARN_AGE',
})

export function loadConfig(source: Record<string, unknown>): Config {
  const parsed = CheckedConfig.safeParse(source)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
    throw new Error(`invalid configuration:\n  ${problems.join('\n  ')}`)
  }
  return parsed.data
}

function isJsonArray(text: string): boolean {
  try {
    return Array.isArray(JSON.parse(text))
  } catch {
    return false
  }
}

/** Standard base64 to bytes with the Web API both runtimes have; undefined if it is not base64. */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
  } catch {
    return undefined
  }
}
