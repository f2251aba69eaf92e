import { describe, expect, it } from 'vitest'
import {
  applyEvent,
  foldLoop,
  initialFacts,
  orderEvents,
  type EventKind,
  type LoopEvent,
  type LoopFacts,
} from '../../src/loops/fold.ts'

const RELEASE_HOURS = 6
const T0 = Date.parse('2022-05-01T00:00:00.000Z')
/** Device time `minutes` after the loop's reference time, as the service stores it. */
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString()

let counter = 0
/** One event; ids and seq are unique and in creation order unless given. */
function ev(
  kind: EventKind,
  minutes: number,
  data: Record<string, unknown> | null = null,
  opts: { id?: string; seq?: number; checkpoint?: string } = {},
): LoopEvent {
  counter++
  return {
    id: opts.id ?? `${kind}@${minutes}#${counter}`,
    kind,
    at: at(minutes),
    checkpoint_code: opts.checkpoint ?? 'G60-EXIT',
    data,
    seq: opts.seq ?? counter,
  }
}

const fold = (events: LoopEvent[], releaseHours = RELEASE_HOURS) => foldLoop(events, releaseHours)
/** The facts without the flags: what a flagged event must leave untouched. */
const factsOf = (facts: LoopFacts) => ({ ...facts, flags: [] })
/** Delivery order: seq is the order the service received them in. */
const delivered = (events: LoopEvent[]) => events.map((e, i) => ({ ...e, seq: i + 1 }))

const negative = { result: 'negative' }
const positive = { result: 'positive' }

// The building blocks of a loop (minutes after arrival).
const arrived = () => ev('arrived', 0, null, { checkpoint: 'G60-EXIT' })
const sampled = (m = 5) =>
  ev('sampled', m, { tube_code: 'TUBE-001', tests: ['pcr', 'antigen'] }, { checkpoint: 'G60-EXIT' })
const released = (m = 30, data: Record<string, unknown> = { destination_code: 'ST-XS-01' }) =>
  ev('released', m, data, { checkpoint: 'G60-EXIT' })
const destination = (m = 200) => ev('destination_arrived', m, null, { checkpoint: 'ST-XS-01' })

describe('foldLoop: the state machine', () => {
  it('knows nothing and flags nothing before any event', () => {
    const facts = fold([])
    expect(facts).toEqual(initialFacts())
    expect(facts.state).toBe('arrived')
    expect(facts.arrivedAt).toBeNull()
  })

  it('opens the loop on arrival', () => {
    const facts = fold([arrived()])
    expect(facts.state).toBe('arrived')
    expect(facts.arrivedAt).toBe(at(0))
    expect(facts.lastCheckpointCode).toBe('G60-EXIT')
    expect(facts.flags).toEqual([])
  })

  it('moves to sampled and keeps the sample time and tube code', () => {
    const facts = fold([arrived(), sampled(5)])
    expect(facts.state).toBe('sampled')
    expect(facts.sampledAt).toBe(at(5))
    expect(facts.tubeCode).toBe('TUBE-001')
  })

  it('moves to released with the destination and a deadline', () => {
    const facts = fold([arrived(), sampled(), ev('antigen_result', 20, negative), released(30)])
    expect(facts.state).toBe('released')
    expect(facts.antigen).toBe('negative')
    expect(facts.releasedAt).toBe(at(30))
    expect(facts.destinationCode).toBe('ST-XS-01')
    expect(facts.releaseDeadline).toBe(at(30 + RELEASE_HOURS * 60))
  })

  it('releases after sampling without waiting for any result (即采即走)', () => {
    const facts = fold([arrived(), sampled(), released(6)])
    expect(facts.state).toBe('released')
    expect(facts.flags).toEqual([])
  })

  it('moves to at_destination on the destination scan', () => {
    const facts = fold([arrived(), sampled(), released(), destination(200)])
    expect(facts.state).toBe('at_destination')
    expect(facts.destinationArrivedAt).toBe(at(200))
    expect(facts.closedAt).toBeNull()
  })

  it('closes when the PCR result is negative and the cargo was handed over', () => {
    const facts = fold([
      arrived(),
      sampled(),
      released(),
      ev('pcr_result', 180, negative, { checkpoint: 'LAB-1' }),
      destination(200),
      ev('handed_over', 240, null, { checkpoint: 'ST-XS-01' }),
    ])
    expect(facts.pcr).toBe('negative')
    expect(facts.pcrAt).toBe(at(180))
    expect(facts.handedOverAt).toBe(at(240))
    expect(facts.state).toBe('closed')
    expect(facts.closedAt).toBe(at(240))
    expect(facts.flags).toEqual([])
  })

  it('closes when the PCR result is negative and the vehicle departed', () => {
    const facts = fold([
      arrived(),
      sampled(),
      released(),
      ev('pcr_result', 180, negative),
      ev('departed', 400),
    ])
    expect(facts.departedAt).toBe(at(400))
    expect(facts.state).toBe('closed')
    expect(facts.closedAt).toBe(at(400))
  })

  it('does not close on departure while the PCR result is missing, and closes when it comes', () => {
    const before = fold([arrived(), sampled(), released(), ev('departed', 100)])
    expect(before.departedAt).toBe(at(100))
    expect(before.state).toBe('released')
    expect(before.closedAt).toBeNull()

    const after = fold([
      arrived(),
      sampled(),
      released(),
      ev('departed', 100),
      ev('pcr_result', 500, negative),
    ])
    expect(after.state).toBe('closed')
    expect(after.closedAt).toBe(at(500))
  })

  it('does not close on hand-over while the PCR result is missing, and closes when it comes', () => {
    const base = [arrived(), sampled(), released(), destination(200), ev('handed_over', 240)]
    const before = fold(base)
    expect(before.state).toBe('at_destination')
    expect(before.closedAt).toBeNull()

    const after = fold([...base, ev('pcr_result', 600, negative)])
    expect(after.state).toBe('closed')
    expect(after.closedAt).toBe(at(600))
  })

  it('does not close on a negative result alone: the vehicle must have left or handed over', () => {
    const facts = fold([
      arrived(),
      sampled(),
      released(),
      ev('pcr_result', 100, negative),
      destination(200),
    ])
    expect(facts.pcr).toBe('negative')
    expect(facts.state).toBe('at_destination')
    expect(facts.closedAt).toBeNull()
  })

  it('does not close on a negative antigen alone: only the PCR result or a certificate clears a loop', () => {
    const facts = fold([
      arrived(),
      sampled(),
      ev('antigen_result', 20, negative),
      released(),
      ev('departed', 100),
    ])
    expect(facts.state).toBe('released')
    expect(facts.closedAt).toBeNull()
  })

  describe('the certificate path (no sampling)', () => {
    it('records a checked certificate without leaving the arrived state', () => {
      const facts = fold([arrived(), ev('certificate_checked', 3)])
      expect(facts.state).toBe('arrived')
      expect(facts.certificateCheckedAt).toBe(at(3))
      expect(facts.sampledAt).toBeNull()
    })

    it('releases on a checked certificate without sampling', () => {
      const facts = fold([arrived(), ev('certificate_checked', 3), released(10)])
      expect(facts.state).toBe('released')
      expect(facts.releasedAt).toBe(at(10))
      expect(facts.flags).toEqual([])
    })

    it('closes on departure once a certificate was checked', () => {
      const facts = fold([
        arrived(),
        ev('certificate_checked', 3),
        released(10),
        ev('departed', 90),
      ])
      expect(facts.state).toBe('closed')
      expect(facts.closedAt).toBe(at(90))
    })

    it('closes on hand-over once a certificate was checked', () => {
      const facts = fold([
        arrived(),
        ev('certificate_checked', 3),
        released(10),
        destination(100),
        ev('handed_over', 130),
      ])
      expect(facts.state).toBe('closed')
      expect(facts.closedAt).toBe(at(130))
    })

    it('does not close on a certificate when a PCR result taken here came back positive', () => {
      const facts = fold([
        arrived(),
        ev('certificate_checked', 3),
        sampled(5),
        released(10),
        ev('pcr_result', 60, positive),
        ev('departed', 90),
      ])
      expect(facts.pcr).toBe('positive')
      expect(facts.closedAt).toBeNull()
      expect(facts.state).not.toBe('closed')
    })
  })

  describe('positive results', () => {
    it('blocks release after a positive antigen result', () => {
      const facts = fold([
        arrived(),
        sampled(),
        ev('antigen_result', 20, positive),
        released(30, { destination_code: 'ST-XS-01' }),
      ])
      expect(facts.antigen).toBe('positive')
      expect(facts.releasedAt).toBeNull()
      expect(facts.state).toBe('sampled')
    })

    it('blocks release after a positive PCR result', () => {
      const facts = fold([arrived(), sampled(), ev('pcr_result', 20, positive), released(30)])
      expect(facts.pcr).toBe('positive')
      expect(facts.releasedAt).toBeNull()
      expect(facts.state).toBe('sampled')
    })

    it('never closes on a positive PCR result, even after departure', () => {
      const facts = fold([
        arrived(),
        sampled(),
        released(),
        ev('departed', 100),
        ev('pcr_result', 200, positive),
      ])
      expect(facts.pcr).toBe('positive')
      expect(facts.closedAt).toBeNull()
      expect(facts.state).toBe('released')
    })

    it('never closes on a positive antigen result, even with a negative PCR and a hand-over', () => {
      // The antigen result comes after release (the truck left before the rapid test was read).
      const facts = fold([
        arrived(),
        sampled(),
        released(10),
        ev('antigen_result', 20, positive),
        ev('pcr_result', 100, negative),
        destination(150),
        ev('handed_over', 160),
      ])
      expect(facts.antigen).toBe('positive')
      // The negative PCR result came after a positive one: kept, flagged, and it clears nothing.
      expect(facts.pcr).toBeNull()
      expect(facts.flags.map((f) => f.reason)).toEqual(['after_positive'])
      expect(facts.closedAt).toBeNull()
      expect(facts.state).toBe('at_destination')
    })
  })

  it('takes the later of departure and PCR result as the closing time', () => {
    const resultFirst = fold([
      arrived(),
      sampled(),
      released(),
      ev('pcr_result', 100, negative),
      ev('departed', 300),
    ])
    const departureFirst = fold([
      arrived(),
      sampled(),
      released(),
      ev('departed', 100),
      ev('pcr_result', 300, negative),
    ])
    expect(resultFirst.closedAt).toBe(at(300))
    expect(departureFirst.closedAt).toBe(at(300))
  })

  it('still records a late PCR result on a loop closed by a certificate', () => {
    const facts = fold([
      arrived(),
      ev('certificate_checked', 3),
      sampled(5),
      released(10),
      ev('departed', 90),
      ev('pcr_result', 400, negative),
    ])
    expect(facts.closedAt).toBe(at(90))
    expect(facts.pcr).toBe('negative')
    expect(facts.pcrAt).toBe(at(400))
    expect(facts.flags).toEqual([])
  })
})

describe('foldLoop: impossible events are flagged and change nothing', () => {
  type Case = { name: string; reason: string; valid: () => LoopEvent[]; bad: () => LoopEvent }
  const cases: Case[] = [
    {
      name: 'a release before any sample',
      reason: 'not_sampled',
      valid: () => [arrived()],
      bad: () => released(2),
    },
    {
      name: 'a release before sampling, with the sample recorded later',
      reason: 'not_sampled',
      valid: () => [arrived(), sampled(10)],
      bad: () => released(5),
    },
    {
      name: 'a PCR result before any sample',
      reason: 'not_sampled',
      valid: () => [arrived()],
      bad: () => ev('pcr_result', 3, negative),
    },
    {
      name: 'an antigen result before any sample',
      reason: 'not_sampled',
      valid: () => [arrived()],
      bad: () => ev('antigen_result', 3, positive),
    },
    {
      name: 'a destination scan before release',
      reason: 'not_released',
      valid: () => [arrived(), sampled()],
      bad: () => destination(10),
    },
    {
      name: 'a departure before release',
      reason: 'not_released',
      valid: () => [arrived(), sampled()],
      bad: () => ev('departed', 10),
    },
    {
      name: 'a hand-over before the destination scan',
      reason: 'not_at_destination',
      valid: () => [arrived(), sampled(), released()],
      bad: () => ev('handed_over', 100),
    },
    {
      name: 'a second sample',
      reason: 'already_sampled',
      valid: () => [arrived(), sampled(5)],
      bad: () => ev('sampled', 8, { tube_code: 'TUBE-999' }, { checkpoint: 'OTHER' }),
    },
    {
      name: 'a second arrival',
      reason: 'already_arrived',
      valid: () => [arrived(), sampled()],
      bad: () => ev('arrived', 10, null, { checkpoint: 'OTHER' }),
    },
    {
      name: 'a second release',
      reason: 'already_released',
      valid: () => [arrived(), sampled(), released(30)],
      bad: () => ev('released', 40, { destination_code: 'OTHER', deadline: at(999) }),
    },
    {
      name: 'a second destination scan',
      reason: 'already_at_destination',
      valid: () => [arrived(), sampled(), released(), destination(200)],
      bad: () => ev('destination_arrived', 210, null, { checkpoint: 'OTHER' }),
    },
    {
      name: 'a second hand-over',
      reason: 'already_handed_over',
      valid: () => [arrived(), sampled(), released(), destination(200), ev('handed_over', 220)],
      bad: () => ev('handed_over', 230, null, { checkpoint: 'OTHER' }),
    },
    {
      name: 'a second departure',
      reason: 'already_departed',
      valid: () => [arrived(), sampled(), released(), ev('departed', 100)],
      bad: () => ev('departed', 110, null, { checkpoint: 'OTHER' }),
    },
    {
      name: 'a sample before arrival',
      reason: 'before_arrival',
      valid: () => [arrived()],
      bad: () => sampled(-5),
    },
    {
      name: 'a certificate before arrival',
      reason: 'before_arrival',
      valid: () => [arrived()],
      bad: () => ev('certificate_checked', -1),
    },
    {
      name: 'an event on a loop that never arrived',
      reason: 'before_arrival',
      valid: () => [],
      bad: () => sampled(5),
    },
    {
      name: 'a destination scan after the loop closed',
      reason: 'loop_closed',
      valid: () => [
        arrived(),
        sampled(),
        released(),
        ev('pcr_result', 100, negative),
        ev('departed', 150),
      ],
      bad: () => destination(300),
    },
    {
      name: 'a departure after the loop closed at the transfer station',
      reason: 'loop_closed',
      valid: () => [
        arrived(),
        sampled(),
        released(),
        ev('pcr_result', 100, negative),
        destination(200),
        ev('handed_over', 220),
      ],
      bad: () => ev('departed', 300, null, { checkpoint: 'OTHER' }),
    },
    {
      name: 'a PCR result without data.result',
      reason: 'no_result',
      valid: () => [arrived(), sampled()],
      bad: () => ev('pcr_result', 60, null, { checkpoint: 'OTHER' }),
    },
    {
      name: 'an antigen result whose data.result is not negative or positive',
      reason: 'no_result',
      valid: () => [arrived(), sampled()],
      bad: () => ev('antigen_result', 20, { result: 'unclear' }, { checkpoint: 'OTHER' }),
    },
    {
      name: 'a certificate after release',
      reason: 'after_release',
      valid: () => [arrived(), sampled(), released(30)],
      bad: () => ev('certificate_checked', 40),
    },
    {
      name: 'a sample after a release on a certificate',
      reason: 'after_release',
      valid: () => [arrived(), ev('certificate_checked', 3), released(10)],
      bad: () => sampled(20),
    },
    {
      name: 'a certificate after a positive antigen result',
      reason: 'positive_result',
      valid: () => [arrived(), sampled(), ev('antigen_result', 20, positive)],
      bad: () => ev('certificate_checked', 30),
    },
    {
      name: 'a release after a positive antigen result',
      reason: 'positive_result',
      valid: () => [arrived(), sampled(), ev('antigen_result', 20, positive)],
      bad: () => released(30),
    },
  ]

  it.each(cases)('flags $name as $reason and changes no facts', ({ reason, valid, bad }) => {
    const events = valid()
    const wrong = bad()
    const withBad = fold([...events, wrong])
    expect(withBad.flags).toEqual([{ eventId: wrong.id, reason }])
    // A positive result is remembered even where it made no sense, so its alert still opens.
    const positive = wrong.data?.result === 'positive'
    const expected = factsOf(fold(events))
    if (positive) {
      const test = wrong.kind === 'pcr_result' ? 'pcr' : 'antigen'
      expected.everPositive = { ...expected.everPositive, [test]: true }
      expected.positives = [...expected.positives, { test, round: 0 }]
    }
    expect(factsOf(withBad)).toEqual(expected)
  })

  it('flags a release before any sample and changes nothing', () => {
    const release = released(2)
    const facts = fold([arrived(), release])
    expect(facts.flags).toEqual([{ eventId: release.id, reason: 'not_sampled' }])
    expect(facts.state).toBe('arrived')
    expect(facts.releasedAt).toBeNull()
    expect(facts.releaseDeadline).toBeNull()
    expect(facts.destinationCode).toBeNull()
  })

  it('keeps the first sample’s time and tube code when a second sample comes', () => {
    const second = ev('sampled', 8, { tube_code: 'TUBE-999' })
    const facts = fold([arrived(), sampled(5), second])
    expect(facts.sampledAt).toBe(at(5))
    expect(facts.tubeCode).toBe('TUBE-001')
    expect(facts.flags).toEqual([{ eventId: second.id, reason: 'already_sampled' }])
  })

  it('flags every event before arrival, and applies the ones after it', () => {
    const early = [sampled(-10), ev('released', -8, { destination_code: 'ST' }), ev('departed', -6)]
    const facts = fold([...early, arrived(), sampled(5)])
    expect(facts.flags).toEqual(early.map((e) => ({ eventId: e.id, reason: 'before_arrival' })))
    expect(facts.sampledAt).toBe(at(5))
    expect(facts.state).toBe('sampled')
  })

  it('flags every non-result event after close, and keeps the loop closed as it was', () => {
    const closing = [
      arrived(),
      sampled(),
      released(),
      ev('pcr_result', 100, negative),
      ev('departed', 150),
    ]
    const late = [
      ev('arrived', 200),
      ev('sampled', 210),
      ev('released', 220, { destination_code: 'X' }),
      destination(230),
      ev('certificate_checked', 240),
    ]
    const facts = fold([...closing, ...late])
    expect(facts.flags).toEqual(late.map((e) => ({ eventId: e.id, reason: 'loop_closed' })))
    expect(factsOf(facts)).toEqual(factsOf(fold(closing)))
    expect(facts.closedAt).toBe(at(150))
  })

  it('does not let a flagged event become the last checkpoint that saw the vehicle', () => {
    const facts = fold([arrived(), ev('destination_arrived', 10, null, { checkpoint: 'ST-XS-01' })])
    expect(facts.flags.map((f) => f.reason)).toEqual(['not_released'])
    expect(facts.lastCheckpointCode).toBe('G60-EXIT')
  })

  it('reports the flags in device-time order', () => {
    const a = ev('departed', 50)
    const b = ev('handed_over', 20)
    const c = sampled(-3)
    const facts = fold([a, b, arrived(), c])
    expect(facts.flags).toEqual([
      { eventId: c.id, reason: 'before_arrival' },
      { eventId: b.id, reason: 'not_at_destination' },
      { eventId: a.id, reason: 'not_released' },
    ])
  })

  it('applyEvent answers the reason and leaves the facts as they were', () => {
    const facts = initialFacts()
    expect(applyEvent(facts, arrived(), RELEASE_HOURS)).toBeNull()
    const snapshot = structuredClone(facts)
    expect(applyEvent(facts, released(3), RELEASE_HOURS)).toBe('not_sampled')
    expect(facts).toEqual(snapshot)
  })
})

describe('foldLoop: device-time order, whatever the delivery order', () => {
  it('orderEvents sorts by device time and does not touch its input', () => {
    const events = [
      ev('released', 30, null, { seq: 1 }),
      ev('arrived', 0, null, { seq: 2 }),
      ev('sampled', 5, null, { seq: 3 }),
    ]
    const copy = [...events]
    expect(orderEvents(events).map((e) => e.kind)).toEqual(['arrived', 'sampled', 'released'])
    expect(events).toEqual(copy)
  })

  it('orderEvents breaks ties in device time by seq (arrival order)', () => {
    const x = { at: at(5), seq: 2, name: 'second' }
    const y = { at: at(5), seq: 1, name: 'first' }
    const z = { at: at(4), seq: 3, name: 'earliest' }
    expect(orderEvents([x, y, z]).map((e) => e.name)).toEqual(['earliest', 'first', 'second'])
  })

  it('applies a sample and a release with the same device time in the order they were received', () => {
    const sampleFirst = fold([
      arrived(),
      ev('sampled', 5, { tube_code: 'T' }, { seq: 10 }),
      ev('released', 5, { destination_code: 'D' }, { seq: 11 }),
    ])
    expect(sampleFirst.flags).toEqual([])
    expect(sampleFirst.state).toBe('released')

    const releaseFirstEvent = ev('released', 5, { destination_code: 'D' }, { seq: 10 })
    const releaseFirst = fold([
      arrived(),
      ev('sampled', 5, { tube_code: 'T' }, { seq: 11 }),
      releaseFirstEvent,
    ])
    expect(releaseFirst.flags).toEqual([{ eventId: releaseFirstEvent.id, reason: 'not_sampled' }])
    expect(releaseFirst.state).toBe('sampled')
  })

  it('gives the same facts for a late, out-of-order batch as for live delivery', () => {
    const live = [
      arrived(),
      sampled(),
      released(),
      destination(200),
      ev('handed_over', 240),
      ev('pcr_result', 300, negative),
    ]
    const offline = [live[5], live[3], live[1], live[4], live[0], live[2]]
    const facts = fold(delivered(offline))
    expect(facts).toEqual(fold(delivered(live)))
    expect(facts.state).toBe('closed')
    expect(facts.closedAt).toBe(at(300))
  })

  function permutations<T>(items: T[]): T[][] {
    if (items.length <= 1) return [items]
    return items.flatMap((item, i) =>
      permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
    )
  }

  it('folds every permutation of a complete loop to the same facts', () => {
    const complete = [
      arrived(),
      sampled(5),
      ev('antigen_result', 20, negative, { checkpoint: 'G60-EXIT' }),
      released(25),
      destination(200),
      ev('handed_over', 240, null, { checkpoint: 'ST-XS-01' }),
      ev('pcr_result', 300, negative, { checkpoint: 'LAB-1' }),
    ]
    const expected = fold(delivered(complete))
    expect(expected.state).toBe('closed')
    expect(expected.flags).toEqual([])

    const all = permutations(complete)
    expect(all).toHaveLength(5040)
    for (const order of all) expect(fold(delivered(order))).toEqual(expected)
  })

  it('folds a few hundred shuffles of a loop with impossible events to the same facts and flags', () => {
    const messy = [
      ev('released', -5, { destination_code: 'X' }), // before_arrival
      arrived(),
      destination(2), // not_released
      sampled(5),
      ev('sampled', 6, { tube_code: 'TUBE-2' }), // already_sampled
      ev('antigen_result', 20, negative),
      released(25),
      ev('pcr_result', 100, { note: 'no result field' }), // no_result
      destination(200),
      ev('pcr_result', 300, negative),
      ev('handed_over', 320), // closes here
      ev('departed', 400), // loop_closed
    ]
    const expected = fold(delivered(messy))
    expect(expected.flags.map((f) => f.reason)).toEqual([
      'before_arrival',
      'not_released',
      'already_sampled',
      'no_result',
      'loop_closed',
    ])
    expect(expected.closedAt).toBe(at(320))

    let seed = 0x5eed
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      return seed / 2_147_483_648
    }
    for (let round = 0; round < 300; round++) {
      const order = [...messy]
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1))
        ;[order[i], order[j]] = [order[j], order[i]]
      }
      expect(fold(delivered(order))).toEqual(expected)
    }
  })
})

describe('foldLoop: the release deadline', () => {
  it('defaults to release time plus releaseHours', () => {
    expect(fold([arrived(), sampled(), released(30)], 6).releaseDeadline).toBe(at(30 + 6 * 60))
    expect(fold([arrived(), sampled(), released(30)], 10).releaseDeadline).toBe(at(30 + 10 * 60))
  })

  it('takes data.deadline when given, normalised to UTC', () => {
    // 2022-05-01T12:00+08:00 is 04:00Z, i.e. 240 minutes after the reference time.
    const facts = fold([
      arrived(),
      sampled(),
      released(30, { destination_code: 'ST-XS-01', deadline: '2022-05-01T12:00:00+08:00' }),
    ])
    expect(facts.releaseDeadline).toBe(at(240))
  })

  it('falls back to the default when data.deadline is not a time', () => {
    const facts = fold([
      arrived(),
      sampled(),
      released(30, { destination_code: 'ST-XS-01', deadline: 'tomorrow-ish' }),
    ])
    expect(facts.releaseDeadline).toBe(at(30 + RELEASE_HOURS * 60))
  })

  it('leaves the destination unknown when the release names none', () => {
    const facts = fold([arrived(), sampled(), released(30, {})])
    expect(facts.destinationCode).toBeNull()
    expect(facts.releaseDeadline).toBe(at(30 + RELEASE_HOURS * 60))
  })
})

describe('foldLoop: negativeSince', () => {
  it('is unknown until a negative result or a certificate', () => {
    expect(fold([arrived(), sampled(), released()]).negativeSince).toBeNull()
  })

  it('is the sample time, not the result time, for a negative PCR result', () => {
    expect(
      fold([arrived(), sampled(5), released(), ev('pcr_result', 300, negative)]).negativeSince,
    ).toBe(at(5))
  })

  it('is the sample time for a negative antigen result', () => {
    expect(fold([arrived(), sampled(5), ev('antigen_result', 20, negative)]).negativeSince).toBe(
      at(5),
    )
  })

  it('is the certificate’s own sample time when it gives one', () => {
    const facts = fold([arrived(), ev('certificate_checked', 3, { sampled_at: at(-600) })])
    expect(facts.negativeSince).toBe(at(-600))
  })

  it('stays unknown for a certificate without a sample time: how old it is cannot be told', () => {
    const facts = fold([arrived(), ev('certificate_checked', 3)])
    expect(facts.negativeSince).toBeNull()
    expect(facts.certificateCheckedAt).toBe(at(3))
  })

  it('keeps the first negative it learned of', () => {
    const facts = fold([
      arrived(),
      ev('certificate_checked', 3, { sampled_at: at(-600) }),
      sampled(5),
      ev('pcr_result', 100, negative),
    ])
    expect(facts.negativeSince).toBe(at(-600))
  })

  it('stays unknown for a positive result', () => {
    expect(fold([arrived(), sampled(5), ev('pcr_result', 100, positive)]).negativeSince).toBeNull()
    expect(
      fold([arrived(), sampled(5), ev('antigen_result', 20, positive)]).negativeSince,
    ).toBeNull()
  })

  it('is cleared by a positive PCR result after a negative antigen result', () => {
    const facts = fold([
      arrived(),
      sampled(5),
      ev('antigen_result', 20, negative),
      released(30),
      ev('pcr_result', 300, positive),
    ])
    expect(facts.pcr).toBe('positive')
    expect(facts.negativeSince).toBeNull()
  })
})

describe('foldLoop: lastCheckpointCode', () => {
  it('is the checkpoint of the latest applied event in device time, not the last one received', () => {
    const events = [
      ev('arrived', 0, null, { checkpoint: 'G60-EXIT' }),
      ev('sampled', 5, { tube_code: 'T' }, { checkpoint: 'G60-EXIT' }),
      ev('released', 30, { destination_code: 'ST-XS-01' }, { checkpoint: 'G60-EXIT' }),
      ev('destination_arrived', 200, null, { checkpoint: 'ST-XS-01' }),
    ]
    const facts = fold(delivered([events[3], events[0], events[2], events[1]]))
    expect(facts.lastCheckpointCode).toBe('ST-XS-01')
  })

  it('counts a lab entering a result as the last checkpoint', () => {
    const facts = fold([
      arrived(),
      sampled(),
      released(),
      ev('pcr_result', 100, negative, { checkpoint: 'LAB-1' }),
    ])
    expect(facts.lastCheckpointCode).toBe('LAB-1')
  })
})
