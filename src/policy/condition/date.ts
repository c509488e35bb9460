import { comparisonOperator, type ConditionOperator } from './operator.js'

// ISO 8601 date-time with an explicit zone, as RAM documents (`2012-11-11T23:59:59Z`).
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/

/** Milliseconds since the epoch for an ISO 8601 date-time, or undefined. */
export function parseIsoDateTime(text: string): number | undefined {
  if (text.length > 40 || !ISO_DATE_TIME.test(text)) return undefined
  const ms = Date.parse(text)
  return Number.isNaN(ms) ? undefined : ms
}

function date(name: string, compare: (a: number, e: number) => boolean, negated = false) {
  return comparisonOperator({
    name,
    family: 'date',
    negated,
    parse: parseIsoDateTime,
    describe: 'an ISO 8601 date-time such as 2012-11-11T23:59:59Z',
    compare,
  })
}

export const DATE_OPERATORS: readonly ConditionOperator[] = [
  date('DateEquals', (a, e) => a === e),
  date('DateNotEquals', (a, e) => a === e, true),
  date('DateLessThan', (a, e) => a < e),
  date('DateLessThanEquals', (a, e) => a <= e),
  date('DateGreaterThan', (a, e) => a > e),
  date('DateGreaterThanEquals', (a, e) => a >= e),
]
