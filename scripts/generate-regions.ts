// Writes schema/0002_regions.sql from the maintained division data package.
import { writeFileSync } from 'node:fs'
import { countyDivisions, regionsMigrationSql } from '../src/regions/division-source.ts'

const rows = countyDivisions()
writeFileSync(new URL('../schema/0002_regions.sql', import.meta.url), regionsMigrationSql(rows))
console.log(`wrote ${rows.length} county-level regions to schema/0002_regions.sql`)
