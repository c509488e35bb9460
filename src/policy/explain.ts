import type { OperationDecision } from './operations.js'
import {
  CONDITION_FAILURE_CAUSES,
  DECISION_REASONS,
  STATEMENT_MISMATCH_REASONS,
  type Decision,
  type StatementTrace,
} from './trace.js'

/** A decision as lines a person reads: the verdict, the deciding layer, then every statement. */
export function formatDecision(decision: Decision): string {
  const lines = [`${decision.decision} (${decision.layer}: ${DECISION_REASONS[decision.reason]})`]
  for (const layer of decision.layers) {
    lines.push(`  ${layer.layer} policies: ${layer.decision}`)
    for (const statement of layer.statements) lines.push(`    ${formatStatement(statement)}`)
  }
  return lines.join('\n')
}

export function formatStatement(s: StatementTrace): string {
  const label = `${s.policy}#${s.pointer}${s.sid !== undefined ? ` (${s.sid})` : ''} ${s.effect}`
  if (s.matched) return `${label}: matched`
  let why: string = s.reason ? STATEMENT_MISMATCH_REASONS[s.reason] : 'did not match'
  if (s.condition) {
    why = `condition ${s.condition.operator} ${s.condition.key}: ${CONDITION_FAILURE_CAUSES[s.condition.cause]}`
  }
  return `${label}: no match, ${why}`
}

export function formatOperationDecision(result: OperationDecision): string {
  const lines = [`${result.operation}: ${result.decision}`]
  for (const { check, result: decision } of result.checks) {
    lines.push(`- ${check.role}: ${check.action} on ${check.resource}`)
    lines.push(...formatDecision(decision).split('\n').map((l) => `  ${l}`))
  }
  return lines.join('\n')
}
