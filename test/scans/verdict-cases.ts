import {
  VERDICT_REASONS,
  type ScanFacts,
  type Verdict,
  type VerdictReason,
} from '../../src/scans/decide-verdict.ts'

// The cases of decideVerdict as data: test/scans/decide-verdict.test.ts runs them against the
// server's module, test/ui/offline-bundle.test.ts against the offline scan page's bundle.

export interface VerdictCase {
  name: string
  facts: ScanFacts
  /** The whole verdict, or the part of it the case is about. */
  expected: Partial<Verdict>
}

/** A valid pass of this deployment, scanned at an entry checkpoint, plate checked, no recent test. */
export const clean: ScanFacts = {
  window: 'valid',
  passStatus: 'active',
  enterpriseWhitelisted: true,
  observedPlate: '浙A12345',
  passPlate: '浙A12345',
  loopAlreadyOpen: false,
  recentNegative: false,
}

/** The facts that, added to a clean scan, produce exactly one reason. */
export const causes: Record<VerdictReason, Partial<ScanFacts>> = {
  malformed: { tokenProblem: 'malformed' },
  bad_signature: { tokenProblem: 'bad_signature' },
  unknown_key: { tokenProblem: 'unknown_key' },
  not_yet_valid: { window: 'not_yet_valid' },
  expired: { window: 'expired' },
  revoked: { passStatus: 'revoked' },
  superseded: { passStatus: 'superseded' },
  enterprise_not_whitelisted: { enterpriseWhitelisted: false },
  plate_mismatch: { observedPlate: '沪B54321' },
  loop_open: { loopAlreadyOpen: true },
}

export const TOKEN_REASONS = ['malformed', 'bad_signature', 'unknown_key'] as const
const PASS_REASONS = VERDICT_REASONS.filter(
  (r) => !(TOKEN_REASONS as readonly string[]).includes(r),
)

const valid = (action: Verdict['action']): Verdict => ({
  verdict: 'valid',
  passStatus: 'valid',
  reasons: [],
  action,
  warnings: [],
})

const reasonsAlone: VerdictCase[] = VERDICT_REASONS.flatMap((reason) => [
  {
    name: `answers invalid and control on site for ${reason} alone`,
    facts: { ...clean, ...causes[reason] },
    expected: {
      verdict: 'invalid',
      passStatus: reason === 'loop_open' ? 'valid' : 'invalid',
      reasons: [reason],
      action: 'control_on_site',
      warnings: [],
    },
  },
  {
    name: `never releases on ${reason}, even with a recent negative test`,
    facts: { ...clean, ...causes[reason], recentNegative: true },
    expected: { verdict: 'invalid', reasons: [reason], action: 'control_on_site' },
  },
  {
    name: `controls on site for ${reason} without a recent negative test`,
    facts: { ...clean, ...causes[reason], recentNegative: false },
    expected: { action: 'control_on_site' },
  },
])

const brokenTokens: VerdictCase[] = TOKEN_REASONS.map((problem) => ({
  name: `reports only ${problem} for a broken token, whatever else looks wrong`,
  facts: {
    tokenProblem: problem,
    window: 'expired',
    passStatus: 'revoked',
    enterpriseWhitelisted: false,
    observedPlate: '沪B54321',
    passPlate: '浙A12345',
    loopAlreadyOpen: true,
    recentNegative: true,
  },
  expected: {
    verdict: 'invalid',
    passStatus: 'invalid',
    reasons: [problem],
    action: 'control_on_site',
    warnings: [],
  },
}))

/** Small deterministic PRNG (mulberry32) so "random" cases are the same on every run. */
function rng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}

/** Any combination of pass problems, the facts merged in a shuffled order: the answer must not depend on it. */
function combinations(): VerdictCase[] {
  const random = rng(20220501)
  // not_yet_valid/expired and revoked/superseded exclude each other: one fact holds each pair.
  const compatible = (set: VerdictReason[]) =>
    !(set.includes('not_yet_valid') && set.includes('expired')) &&
    !(set.includes('revoked') && set.includes('superseded'))
  const cases: VerdictCase[] = []
  for (let round = 0; round < 300; round++) {
    const chosen = PASS_REASONS.filter(() => random() < 0.5)
    if (!compatible(chosen)) continue
    const order = shuffled(chosen, random)
    cases.push({
      name: `keeps the fixed order for [${order.join(', ')}] (round ${round})`,
      facts: order.reduce<ScanFacts>((acc, r) => ({ ...acc, ...causes[r] }), { ...clean }),
      expected: {
        reasons: VERDICT_REASONS.filter((r) => chosen.includes(r)),
        verdict: chosen.length ? 'invalid' : 'valid',
        action: chosen.length ? 'control_on_site' : 'sample_then_release',
      },
    })
  }
  return cases
}

export const VERDICT_CASES: VerdictCase[] = [
  ...reasonsAlone,
  ...brokenTokens,
  {
    name: 'returns every applicable reason at once, in the order of VERDICT_REASONS',
    facts: {
      ...clean,
      window: 'expired',
      passStatus: 'superseded',
      enterpriseWhitelisted: false,
      observedPlate: '沪B54321',
      loopAlreadyOpen: true,
    },
    expected: {
      verdict: 'invalid',
      passStatus: 'invalid',
      reasons: [
        'expired',
        'superseded',
        'enterprise_not_whitelisted',
        'plate_mismatch',
        'loop_open',
      ],
      action: 'control_on_site',
      warnings: [],
    },
  },
  ...combinations(),

  // The action.
  {
    name: 'releases a valid pass with a negative test under 48 h',
    facts: { ...clean, recentNegative: true },
    expected: valid('release'),
  },
  {
    name: 'samples, then releases, a valid pass with no recent test',
    facts: { ...clean, recentNegative: false },
    expected: valid('sample_then_release'),
  },
  {
    name: 'samples, then releases, a valid pass whose recent tests are unknown',
    facts: { ...clean, recentNegative: undefined },
    expected: valid('sample_then_release'),
  },
  {
    name: 'accepts another issuer’s valid pass whose status and applicant this deployment cannot know',
    facts: {
      window: 'valid',
      observedPlate: '苏E12345',
      passPlate: '苏E12345',
      recentNegative: true,
    },
    expected: valid('release'),
  },
  {
    name: 'treats an unknown whitelist state as no reason',
    facts: { ...clean, enterpriseWhitelisted: undefined },
    expected: { reasons: [] },
  },
  {
    name: 'treats only an explicit false as not whitelisted',
    facts: { ...clean, enterpriseWhitelisted: false },
    expected: { reasons: ['enterprise_not_whitelisted'] },
  },
  {
    name: 'accepts a pass whose loops, whitelist and tests are unknown (the offline page)',
    facts: { window: 'valid', passPlate: '浙A12345', observedPlate: '浙A12345' },
    expected: valid('sample_then_release'),
  },

  // The plate.
  {
    name: 'flags a plate the staff saw that differs from the pass',
    facts: { ...clean, observedPlate: '浙A12346' },
    expected: { reasons: ['plate_mismatch'] },
  },
  {
    name: 'accepts the same plate',
    facts: { ...clean, observedPlate: '浙A12345', passPlate: '浙A12345' },
    expected: { reasons: [] },
  },
  ...(
    [
      ['not given', undefined],
      ['null', null],
      ['empty', ''],
    ] as const
  ).map(([label, observedPlate]) => ({
    name: `compares nothing when the observed plate is ${label}`,
    facts: { ...clean, observedPlate, passPlate: '浙A12345' },
    expected: valid('sample_then_release'),
  })),
  {
    name: 'compares nothing when the pass plate is unknown',
    facts: { ...clean, observedPlate: '浙A12345', passPlate: undefined },
    expected: { reasons: [] },
  },

  // The pass apart from the entry.
  {
    name: 'keeps a valid pass valid when only the entry is refused (loop_open)',
    facts: { ...clean, loopAlreadyOpen: true },
    expected: { verdict: 'invalid', passStatus: 'valid', reasons: ['loop_open'] },
  },
  ...VERDICT_REASONS.filter((r) => r !== 'loop_open').map((reason) => ({
    name: `calls the pass invalid for ${reason} with loop_open`,
    facts: { ...clean, ...causes[reason], loopAlreadyOpen: true },
    expected: { passStatus: 'invalid' as const },
  })),

  // A loop opened by hand.
  {
    name: 'warns of a loop opened by hand and never makes a valid pass loop_open',
    facts: { ...clean, loopAlreadyOpen: false, manualLoopOpen: true },
    expected: { ...valid('sample_then_release'), warnings: ['manual_loop_open'] },
  },
  {
    name: 'still warns of a loop opened by hand beside the reasons of an invalid pass',
    facts: { ...clean, passStatus: 'revoked', manualLoopOpen: true },
    expected: { verdict: 'invalid', reasons: ['revoked'], warnings: ['manual_loop_open'] },
  },
  // The age of the trust data (another issuer's status list; the offline page's bundle).
  {
    name: 'says nothing of fresh trust data and releases on a recent negative',
    facts: { ...clean, trustFreshness: 'fresh', recentNegative: true },
    expected: valid('release'),
  },
  {
    name: 'only warns of old trust data: a recent negative still releases',
    facts: { ...clean, trustFreshness: 'old', recentNegative: true },
    expected: { ...valid('release'), warnings: ['trust_data_old'] },
  },
  {
    name: 'only warns of old trust data: without a test it samples, as ever',
    facts: { ...clean, trustFreshness: 'old', recentNegative: false },
    expected: { ...valid('sample_then_release'), warnings: ['trust_data_old'] },
  },
  {
    name: 'never releases on stale trust data, even with a recent negative: it samples',
    facts: { ...clean, trustFreshness: 'stale', recentNegative: true },
    expected: { ...valid('sample_then_release'), warnings: ['trust_data_stale'] },
  },
  {
    name: 'samples on stale trust data without a test, never worse',
    facts: { ...clean, trustFreshness: 'stale', recentNegative: false },
    expected: { ...valid('sample_then_release'), warnings: ['trust_data_stale'] },
  },
  {
    name: 'keeps the pass valid on stale trust data: age alone is no reason',
    facts: { window: 'valid', passPlate: '苏E12345', trustFreshness: 'stale' },
    expected: { verdict: 'valid', passStatus: 'valid', reasons: [] },
  },
  ...VERDICT_REASONS.map((reason) => ({
    name: `stays control on site for ${reason} on stale trust data, with the warning`,
    facts: { ...clean, ...causes[reason], trustFreshness: 'stale' as const, recentNegative: true },
    expected: {
      verdict: 'invalid' as const,
      reasons: [reason],
      action: 'control_on_site' as const,
      warnings: ['trust_data_stale' as const],
    },
  })),
  {
    name: 'warns of a loop opened by hand and of stale trust data together',
    facts: { ...clean, manualLoopOpen: true, trustFreshness: 'stale', recentNegative: true },
    expected: {
      ...valid('sample_then_release'),
      warnings: ['manual_loop_open', 'trust_data_stale'],
    },
  },
]
