// Plain JavaScript: shared by store.ts and by the SQLite write thread (sqlite-writer.mjs), where no
// TypeScript loader runs.

/** Values both drivers accept: booleans become 0/1. */
export const bindable = (parameters) => parameters.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p))
