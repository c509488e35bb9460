import { compileWildcard, wildcardProblem } from '../wildcard.js'
import type { ConditionOperator } from './operator.js'

function equalsOperator(name: string, negated: boolean, ignoreCase: boolean): ConditionOperator {
  return {
    name,
    family: 'string',
    negated,
    compile(values) {
      const expected = new Set(ignoreCase ? values.map((v) => v.toLowerCase()) : values)
      return {
        ok: true,
        test: (actual) => expected.has(ignoreCase ? actual.toLowerCase() : actual),
      }
    },
  }
}

function likeOperator(name: string, negated: boolean): ConditionOperator {
  return {
    name,
    family: 'string',
    negated,
    globs: true,
    compile(values) {
      for (const value of values) {
        const problem = wildcardProblem(value)
        if (problem) return { ok: false, message: `${name}: ${problem}` }
      }
      const matchers = values.map(compileWildcard)
      return { ok: true, test: (actual) => matchers.some((m) => m(actual)) }
    },
  }
}

export const STRING_OPERATORS: readonly ConditionOperator[] = [
  equalsOperator('StringEquals', false, false),
  equalsOperator('StringNotEquals', true, false),
  equalsOperator('StringEqualsIgnoreCase', false, true),
  equalsOperator('StringNotEqualsIgnoreCase', true, true),
  likeOperator('StringLike', false),
  likeOperator('StringNotLike', true),
]
