import { comparisonOperator, type ConditionOperator } from './operator.js'

// Each digit can be read one way only (`\d+(?:\.\d*)?`, not `\d+\.?\d*`), so a failing match
// costs one pass, not one per way of splitting a run of digits.
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/

/** Longer text is no number any request or policy needs; it is refused before any scan. */
export const MAX_NUMBER_CHARS = 64

export function parseNumber(text: string): number | undefined {
  if (text.length > MAX_NUMBER_CHARS * 4) return undefined
  const trimmed = text.trim()
  if (trimmed.length > MAX_NUMBER_CHARS) return undefined
  return NUMBER.test(trimmed) ? Number(trimmed) : undefined
}

function numeric(name: string, compare: (a: number, e: number) => boolean, negated = false) {
  return comparisonOperator({ name, family: 'numeric', negated, parse: parseNumber, describe: 'a number', compare })
}

export const NUMERIC_OPERATORS: readonly ConditionOperator[] = [
  numeric('NumericEquals', (a, e) => a === e),
  numeric('NumericNotEquals', (a, e) => a === e, true),
  numeric('NumericLessThan', (a, e) => a < e),
  numeric('NumericLessThanEquals', (a, e) => a <= e),
  numeric('NumericGreaterThan', (a, e) => a > e),
  numeric('NumericGreaterThanEquals', (a, e) => a >= e),
]
