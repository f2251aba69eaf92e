import type { Compilable, Store, WriteResult } from '../db/store.ts'

/**
 * The statements of one atomic write, each added under a name, so that what a caller needs from
 * the results (rows a statement RETURNed, whether a guarded update applied) is looked up by that
 * name instead of by counting positions. Statements run in the order they were added; a name may
 * be used more than once (its results then come in that order).
 */
export interface WritePlan {
  add(name: string, statements: readonly Compilable[]): WritePlan
  /** How many statements the plan holds. */
  readonly size: number
  /** Runs every statement in one `store.atomic` call. */
  run(store: Pick<Store, 'atomic'>): Promise<PlanResults>
}

export interface PlanResults {
  /** The results of the statements added under `name`, in order (empty if there were none). */
  get(name: string): WriteResult[]
  /** The names used, in the order first added. */
  readonly names: readonly string[]
}

export function writePlan(): WritePlan {
  const statements: Compilable[] = []
  const nameOf: string[] = []
  const plan: WritePlan = {
    add(name, added) {
      for (const statement of added) {
        statements.push(statement)
        nameOf.push(name)
      }
      return plan
    },
    get size() {
      return statements.length
    },
    async run(store) {
      const results = await store.atomic(statements)
      const byName = new Map<string, WriteResult[]>()
      results.forEach((result, i) => {
        const list = byName.get(nameOf[i])
        if (list) list.push(result)
        else byName.set(nameOf[i], [result])
      })
      return { get: (name) => byName.get(name) ?? [], names: [...byName.keys()] }
    },
  }
  return plan
}
