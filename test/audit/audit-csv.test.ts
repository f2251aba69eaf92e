import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { issuePass, openLoop, scan } from '../support/flow.ts'
import { chinaTime } from '../../src/ui/format.ts'

// The compliance report as a CSV a coordinator opens in Excel on Chinese Windows: UTF-8 with a
// BOM; one file of clearly separated tables (a title row, its own header row, its rows, a blank
// row); times China time (UTC+8) with headers saying so; codes in words; checkpoints by name.

let t: TestApp
let loopPass: { number: string; issued_at: string; plate: string }
let revoked: { number: string; token: string }

beforeAll(async () => {
  t = await buildTestApp()
  loopPass = (await openLoop(t, { plate: '浙A60001' })).pass as unknown as typeof loopPass
  revoked = await issuePass(t, { plate: '浙A60002' })
  await t.call('POST', `/api/v1/passes/${revoked.number}/revoke`, {
    as: 'coordinator',
    body: { reason: '车辆信息不符' },
  })
  await scan(t, { token: revoked.token }) // a failed scan
})

const csv = async (query = '', headers: Record<string, string> = {}) => {
  const res = await t.app.request(`/api/v1/enterprises/demo-ent-1/audit.csv${query}`, {
    headers: { authorization: `Bearer ${await t.tokenFor('coordinator')}`, ...headers },
  })
  expect(res.status).toBe(200)
  const bytes = new Uint8Array(await res.arrayBuffer())
  return {
    bytes,
    lines: new TextDecoder()
      .decode(bytes)
      .replace(/^\uFEFF/, '')
      .split('\r\n'),
  }
}

/** The sections of the file: after the title line, blocks separated by one blank row. */
function sections(lines: string[]) {
  const blocks: string[][] = []
  let current: string[] = []
  for (const line of lines.slice(2)) {
    if (line === '') {
      if (current.length) blocks.push(current)
      current = []
    } else current.push(line)
  }
  if (current.length) blocks.push(current)
  return blocks
}

const section = (lines: string[], title: string) => {
  const found = sections(lines).find((b) => b[0].startsWith(title))
  expect(found, `section ${title}`).toBeDefined()
  return found!
}

describe('the compliance report CSV', () => {
  it('starts with a UTF-8 byte-order mark and is a titled file', async () => {
    const { bytes, lines } = await csv()
    expect(Array.from(bytes.slice(0, 3))).toEqual([0xef, 0xbb, 0xbf])
    expect(lines[0]).toBe('企业合规报告 · 杭州萧山民生物流有限公司')
    expect(lines[1]).toBe('')
  })

  it('has one section per table: a title row, its own header row, its rows, a blank row between', async () => {
    const { lines } = await csv()
    const blocks = sections(lines)
    expect(blocks.map((b) => b[0].replace(/（\d+ 条）$/, ''))).toEqual([
      '报告信息',
      '汇总',
      '通行证',
      '闭环（入城车次）',
      '交接车辆',
      '预警',
      '核验失败',
      '白名单决定记录',
    ])
    for (const block of blocks) {
      expect(block[0].split(',')).toHaveLength(1) // the title row: one cell
      expect(block.length).toBeGreaterThanOrEqual(2) // and a header row, even with no rows
    }
    const passes = section(lines, '通行证')
    expect(passes[0]).toBe(`通行证（${passes.length - 2} 条）`)
    expect(passes[1]).toBe(
      '通行证编号,车牌号,状态,原因,签发时间（UTC+8）,有效期起（UTC+8）,有效期止（UTC+8）',
    )
    // Every data row has as many cells as its header.
    for (const block of blocks.slice(2))
      for (const row of block.slice(2))
        expect(row.split(',').length, row).toBe(block[1].split(',').length)
  })

  it('gives times in China time (UTC+8), never as ISO instants', async () => {
    const { lines } = await csv()
    const text = lines.join('\n')
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/)
    const about = section(lines, '报告信息')
    expect(about).toContain('时间说明,本文件中的时间均为北京时间（UTC+8）')
    const row = section(lines, '通行证').find((l) => l.startsWith(loopPass.number))!
    expect(row).toContain(`,${chinaTime(loopPass.issued_at)},`)
    expect(chinaTime(loopPass.issued_at)).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/)
    // 8 hours ahead of UTC: an instant at 00:00Z is 08:00 in the file.
    expect(chinaTime('2026-11-30T00:00:00.000Z')).toBe('2026-11-30 08:00')
  })

  it('states its period, and takes the period asked for', async () => {
    const { lines } = await csv('?from=2026-11-01&to=2026-11-30')
    const about = section(lines, '报告信息')
    expect(about).toContain('统计期间起（北京时间 UTC+8）,2026-11-01 00:00')
    expect(about).toContain('统计期间止（北京时间 UTC+8，不含）,2026-12-01 00:00')
  })

  it('says codes in words and checkpoints by name', async () => {
    const { lines } = await csv()
    expect(section(lines, '通行证').find((l) => l.startsWith(revoked.number))).toContain(',已撤销,')
    const failed = section(lines, '核验失败')
    expect(failed.find((l) => l.includes(revoked.number))).toMatch(/G60 沪昆高速萧山出口.*已撤销/)
    expect(section(lines, '闭环（入城车次）').join('\n')).toContain('G60 沪昆高速萧山出口')
    expect(lines.join('\n')).not.toContain('HZ-G60-XS')
    const summary = section(lines, '汇总')
    expect(summary[1]).toBe('项目,数值')
    expect(summary).toContain('通行证 · 已撤销,1')
    expect(section(lines, '白名单决定记录').join('\n')).toMatch(/系统/)
  })

  it('speaks English when asked (lang=en, or Accept-Language)', async () => {
    for (const { lines } of [await csv('?lang=en'), await csv('', { 'accept-language': 'en' })]) {
      expect(lines[0]).toBe('Compliance report · 杭州萧山民生物流有限公司')
      expect(section(lines, 'Passes')[1]).toBe(
        'Pass number,Plate,Status,Reason,Issued (UTC+8),Valid from (UTC+8),Valid until (UTC+8)',
      )
      expect(section(lines, 'Summary')).toContain('Passes · Revoked,1')
    }
  })
})
