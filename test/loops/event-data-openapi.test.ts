import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { event, openLoop, sendEvents } from '../support/flow.ts'
import { DEVICE_EVENT_KINDS } from '../../src/loops/fold.ts'

// The OpenAPI document types each uploaded event's `data` by its `kind` (a discriminated union),
// while each event is still checked on its own: a bad one is rejected in the results, not 400.

let t: TestApp
let doc: {
  paths: Record<string, Record<string, any>>
  components: { schemas: Record<string, any> }
}
beforeAll(async () => {
  t = await buildTestApp()
  doc = (await t.call('GET', '/api/openapi.json')).json
})

/** Follows a local `$ref` (and an `anyOf` of one) to the schema it names. */
function resolve(schema: Record<string, any>): Record<string, any> {
  if (schema.$ref) return resolve(doc.components.schemas[schema.$ref.split('/').pop()])
  if (schema.anyOf?.length === 1) return resolve(schema.anyOf[0])
  return schema
}

describe('the events request in the OpenAPI document', () => {
  const item = () => {
    const body = doc.paths['/api/v1/events'].post.requestBody.content['application/json'].schema
    return resolve(resolve(body).properties.events.items)
  }

  it('is a oneOf with a discriminator on kind, one option per device kind', () => {
    const union = item()
    expect(union.discriminator.propertyName).toBe('kind')
    expect(Object.keys(union.discriminator.mapping).sort()).toEqual([...DEVICE_EVENT_KINDS].sort())
    expect(union.oneOf).toHaveLength(DEVICE_EVENT_KINDS.length)
    for (const option of union.oneOf) {
      const kind = resolve(option).properties.kind
      expect(kind.enum ?? [kind.const]).toHaveLength(1)
    }
  })

  it("shows each kind's data properties", () => {
    const union = item()
    const dataOf = (kind: string) => {
      const option = resolve({ $ref: union.discriminator.mapping[kind] })
      expect(option.properties.kind.enum ?? [option.properties.kind.const]).toEqual([kind])
      return resolve(option.properties.data)
    }
    expect(dataOf('sampled').properties).toHaveProperty('tube_code')
    expect(dataOf('sampled').properties).toHaveProperty('tests')
    expect(dataOf('sampled').required).toContain('tube_code')
    expect(dataOf('released').properties).toHaveProperty('destination_code')
    expect(dataOf('released').properties).toHaveProperty('deadline')
    for (const kind of ['pcr_result', 'antigen_result'])
      expect(dataOf(kind).properties.result.enum).toEqual(['negative', 'positive'])
    expect(dataOf('certificate_checked').properties).toHaveProperty('sampled_at')
    expect(dataOf('result_corrected').properties).toHaveProperty('event_id')
    expect(dataOf('result_corrected').properties.reason.maxLength).toBe(200)
    expect(dataOf('arrived').type).toBe('object')
  })
})

describe('validation is per event, as before', () => {
  let loopId: string
  beforeAll(async () => {
    loopId = (await openLoop(t, { plate: '浙A7Y001' })).loopId
  })

  it('rejects a bad data of each kind in its result, with the field named, and takes the rest', async () => {
    const bad: [string, unknown, string][] = [
      ['arrived', 'not an object', 'data'],
      ['certificate_checked', { sampled_at: 'yesterday' }, 'data.sampled_at'],
      ['sampled', { tube_code: '' }, 'data.tube_code'],
      ['antigen_result', { result: 'maybe' }, 'data.result'],
      ['released', {}, 'data.destination_code'],
      ['pcr_result', undefined, 'data'],
      ['destination_arrived', [1, 2], 'data'],
      ['handed_over', { x: 'y'.repeat(3000) }, 'data'],
      ['departed', 42, 'data'],
      ['result_corrected', { event_id: 'nope' }, 'data.event_id'],
    ]
    expect(bad.map(([kind]) => kind).sort()).toEqual([...DEVICE_EVENT_KINDS].sort())
    const events = bad.map(([kind, data]) => ({ ...event(t, loopId, kind), data }))
    const good = event(t, loopId, 'sampled', { tube_code: 'TB-OK' })
    const res = await sendEvents(t, [...events, good])
    expect(res.status).toBe(200)
    const results = res.json.results as {
      status: string
      error?: { code: string; message: string }
    }[]
    bad.forEach(([kind, , field], i) => {
      expect(results[i], kind).toMatchObject({
        status: 'rejected',
        error: { code: 'invalid_event' },
      })
      expect(results[i].error!.message.split(': ')[0], kind).toBe(field)
    })
    expect(results.at(-1)).toMatchObject({ id: good.id, status: 'accepted' })
  })

  it('answers 400 only for a body that is not a list of 1 to 500 events', async () => {
    for (const body of [{}, { events: [] }, { events: 'x' }]) {
      const res = await t.call('POST', '/api/v1/events', { as: 'checkpoint', body })
      expect(res.status).toBe(400)
      expect(res.json.error.code).toBe('invalid_input')
    }
  })
})
