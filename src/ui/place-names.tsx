import type { Deps } from '../app-env.ts'
import { findRegions } from '../regions/regions.repository.ts'
import type { RegionRow, RiskLevel } from '../regions/regions.table.ts'
import { listStations } from '../stations/stations.repository.ts'
import { listCheckpoints } from '../checkpoints/checkpoints.repository.ts'
import { words, type Lang } from './i18n.ts'

/**
 * Places as people name them: a region code becomes 上海市浦东新区（高风险）, a station or checkpoint
 * code its name; the code itself is only ever secondary text. Loaded once per page for the codes it
 * shows (stations and checkpoints are few: all of them).
 */
export interface Places {
  /** 上海市浦东新区 (the code when unknown). */
  regionName(code: string): string
  /** 上海市浦东新区（高风险）: the name with the region's current risk level. */
  region(code: string): string
  risk(code: string): RiskLevel | undefined
  station(code: string): string
  checkpoint(code: string): string
  /** A station's or a checkpoint's name, whichever the code is (release destinations are either). */
  place(code: string): string
}

export async function loadPlaces(deps: Deps, lang: Lang, regionCodes: readonly string[]) {
  const db = deps.store.db
  const [regions, stations, checkpoints] = await Promise.all([
    findRegions(db, regionCodes),
    listStations(db, {}),
    listCheckpoints(db, {}),
  ])
  const byCode = new Map(regions.map((r) => [r.code, r]))
  const stationNames = new Map(stations.map((s) => [s.code, s.name]))
  const checkpointNames = new Map(checkpoints.map((c) => [c.code, c.name]))
  const regionName = (code: string) => {
    const r = byCode.get(code)
    return r ? fullRegionName(r) : code
  }
  const places: Places = {
    regionName,
    region: (code) => {
      const r = byCode.get(code)
      if (!r) return code
      const risk = words(lang, r.risk_level)
      return lang === 'zh' ? `${fullRegionName(r)}（${risk}）` : `${fullRegionName(r)} (${risk})`
    },
    risk: (code) => byCode.get(code)?.risk_level,
    station: (code) => stationNames.get(code) ?? code,
    checkpoint: (code) => checkpointNames.get(code) ?? code,
    place: (code) => stationNames.get(code) ?? checkpointNames.get(code) ?? code,
  }
  return places
}

/** 浙江省杭州市萧山区; a municipality's city is not repeated (上海市浦东新区). */
export function fullRegionName(r: Pick<RegionRow, 'province_name' | 'city_name' | 'name'>) {
  const city = r.city_name === r.province_name ? '' : r.city_name
  return `${r.province_name}${city}${r.name}`
}

/** A risk level as a coloured badge (styles: .risk-low / .risk-medium / .risk-high). */
export function RiskBadge(props: { lang: Lang; level: RiskLevel | undefined }) {
  if (!props.level) return null
  return <span class={`badge risk-${props.level}`}>{words(props.lang, props.level)}</span>
}
