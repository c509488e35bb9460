/** The value types RAM gives condition keys; an operator works on exactly one of them. */
export type ConditionFamily = 'string' | 'numeric' | 'date' | 'bool' | 'ip'

export type CompiledValues =
  | { readonly ok: true; readonly test: (actual: string) => boolean }
  | { readonly ok: false; readonly message: string }

/**
 * One condition operator. `compile` checks the policy's values once, at parse time, and returns
 * a predicate in the positive sense ("the request value matches one of the policy values"); a
 * negated operator inverts the combined result, and a key missing from the request fails a
 * positive operator and satisfies a negated one.
 */
export interface ConditionOperator {
  readonly name: string
  readonly family: ConditionFamily
  readonly negated: boolean
  /** True when policy values are globs (`StringLike`, `StringNotLike`). */
  readonly globs?: boolean
  compile(values: readonly string[]): CompiledValues
}

/** Builds an operator whose policy values are parsed one by one and compared with `compare`. */
export function comparisonOperator<T>(spec: {
  name: string
  family: ConditionFamily
  negated?: boolean
  parse: (text: string) => T | undefined
  describe: string
  compare: (actual: T, expected: T) => boolean
}): ConditionOperator {
  return {
    name: spec.name,
    family: spec.family,
    negated: spec.negated ?? false,
    compile(values) {
      const expected: T[] = []
      for (const value of values) {
        const parsed = spec.parse(value)
        if (parsed === undefined) {
          return { ok: false, message: `${spec.name} needs ${spec.describe}; got ${JSON.stringify(value)}` }
        }
        expected.push(parsed)
      }
      return {
        ok: true,
        test(actualText) {
          const actual = spec.parse(actualText)
          if (actual === undefined) return false
          return expected.some((e) => spec.compare(actual, e))
        },
      }
    },
  }
}
