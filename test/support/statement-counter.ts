import type { KyselyPlugin } from 'kysely'
import type { Store } from '../../src/db/store.ts'

/**
 * A store that counts what runs through it: each read (every query Kysely executes, precompiled
 * ones included) and each statement handed to `atomic`. For tests that pin how much SQL a request
 * costs, so a change that adds statements to a hot path fails a test.
 */
export function countingStore(store: Store) {
  const counts = { reads: 0, writes: 0 }
  const countReads: KyselyPlugin = {
    transformQuery: (args) => args.node,
    transformResult: async (args) => {
      counts.reads++
      return args.result
    },
  }
  const counted: Store = {
    ...store,
    // A plugin makes a new Kysely: reads through it skip the store's direct reader, so each passes here.
    db: store.db.withPlugin(countReads),
    atomic: (queries) => {
      counts.writes += queries.length
      return store.atomic(queries)
    },
  }
  return {
    store: counted,
    /** What ran since the last call, and starts counting afresh. */
    take() {
      const taken = { ...counts }
      counts.reads = 0
      counts.writes = 0
      return taken
    },
  }
}
