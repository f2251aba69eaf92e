// The ID-number check lives with the other personal-data rules (privacy/), where the crews of
// vehicles (vehicles/) use it too; re-exported for the applications' callers.
export { isValidResidentId, residentIdCheckCharacter } from '../privacy/resident-id.ts'
