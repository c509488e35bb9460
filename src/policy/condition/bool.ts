import type { ConditionOperator } from './operator.js'

/** `Bool` takes exactly one value, "true" or "false" (RAM: "Invalid condition multiple Boolean"). */
export const BOOL_OPERATOR: ConditionOperator = {
  name: 'Bool',
  family: 'bool',
  negated: false,
  compile(values) {
    if (values.length !== 1) {
      return { ok: false, message: `Bool takes exactly one value; got ${values.length}` }
    }
    const expected = (values[0] as string).toLowerCase()
    if (expected !== 'true' && expected !== 'false') {
      return { ok: false, message: `Bool needs "true" or "false"; got ${JSON.stringify(values[0])}` }
    }
    return { ok: true, test: (actual) => actual.toLowerCase() === expected }
  },
}
