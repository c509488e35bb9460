import { BOOL_OPERATOR } from './bool.js'
import { DATE_OPERATORS } from './date.js'
import { IP_OPERATORS } from './ip.js'
import { NUMERIC_OPERATORS } from './numeric.js'
import type { ConditionOperator } from './operator.js'
import { STRING_OPERATORS } from './string.js'

const ALL = [...STRING_OPERATORS, ...NUMERIC_OPERATORS, ...DATE_OPERATORS, BOOL_OPERATOR, ...IP_OPERATORS]
const OPERATORS = new Map<string, ConditionOperator>(ALL.map((op) => [op.name, op]))
const BY_LOWER = new Map<string, ConditionOperator>(ALL.map((op) => [op.name.toLowerCase(), op]))

export type OperatorLookup =
  | { readonly ok: true; readonly operator: ConditionOperator }
  | {
      readonly ok: false
      readonly code: 'condition.operator-undocumented' | 'condition.operator-unknown' | 'condition.operator-case'
      readonly message: string
    }

/**
 * Resolves an operator name, spelt exactly as RAM documents it: RAM lists each operator in one
 * spelling and does not say other spellings work, so `stringlike` is refused with a hint rather
 * than read one way here and perhaps another way by RAM. Forms that AWS knows but RAM does not document (`...IfExists`,
 * `Null`, `ForAnyValue:`, `ForAllValues:`, `Arn*`, `Binary*`) are refused by name rather than
 * guessed at.
 */
export function lookupOperator(name: string): OperatorLookup {
  const operator = OPERATORS.get(name)
  if (operator) return { ok: true, operator }
  const other = BY_LOWER.get(name.toLowerCase())
  if (other) {
    return { ok: false, code: 'condition.operator-case', message: `"${name}" is not spelt as RAM documents it; write "${other.name}"` }
  }
  if (/ifexists$|^null$|^forallvalues:|^foranyvalue:|^arn|^binary/i.test(name)) {
    return {
      ok: false,
      code: 'condition.operator-undocumented',
      message: `"${name}" is an AWS operator that RAM does not document; ossvend will not guess its meaning`,
    }
  }
  return { ok: false, code: 'condition.operator-unknown', message: `"${name}" is not a condition operator` }
}

export const OPERATOR_NAMES: readonly string[] = [...OPERATORS.values()].map((op) => op.name)
