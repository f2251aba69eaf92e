/** Values both drivers accept: booleans become 0/1. */
export function bindable(parameters: readonly unknown[]): unknown[]
