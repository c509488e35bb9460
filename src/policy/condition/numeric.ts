import { comparisonOperator, type ConditionOperator } from './operator.js'

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

function parseNumber(text: string): number | undefined {
  const trimmed = text.trim()
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
