import { Type, type Static } from '@sinclair/typebox'
import { AUTH_ERRORS, BODY_ERRORS, ScopeName, json, type OperationSpec } from './common.js'

const Key = Type.String({ maxLength: 1023 })

export const SimulateBody = Type.Object(
  {
    scope: Type.Optional(ScopeName),
    bucket: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$', description: 'The configured bucket when absent' })),
    operation: Type.String({ minLength: 1, maxLength: 64, examples: ['GetObject'] }),
    key: Type.Optional(Key),
    keys: Type.Optional(Type.Array(Key, { maxItems: 1000 })),
    prefix: Type.Optional(Key),
    delimiter: Type.Optional(Type.String({ maxLength: 16 })),
    sourceKey: Type.Optional(Key),
    versionId: Type.Optional(Type.String({ maxLength: 256 })),
    context: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]))),
  },
  { additionalProperties: false },
)
export type SimulateBody = Static<typeof SimulateBody>

const Decision = Type.Union([Type.Literal('Allow'), Type.Literal('ExplicitDeny'), Type.Literal('ImplicitDeny')])

const StatementTrace = Type.Object({
  policy: Type.String({ description: 'The policy\'s name (a scope template or a role policy file name), never a path' }),
  index: Type.Integer(),
  pointer: Type.String(),
  sid: Type.Optional(Type.String()),
  effect: Type.String(),
  matched: Type.Boolean(),
  reason: Type.Optional(Type.String()),
  condition: Type.Optional(Type.Object({ operator: Type.String(), key: Type.String(), cause: Type.String() })),
})

export const SimulateAnswer = Type.Object({
  scope: ScopeName,
  prefix: Type.String(),
  operation: Type.String(),
  decision: Decision,
  checks: Type.Array(
    Type.Object({
      check: Type.Object({ action: Type.String(), resource: Type.String(), context: Type.Record(Type.String(), Type.Unknown()), role: Type.String() }),
      result: Type.Object(
        {
          decision: Decision,
          reason: Type.String(),
          matched: Type.Array(StatementTrace),
          layers: Type.Array(Type.Object({ layer: Type.String(), decision: Decision, statements: Type.Array(StatementTrace) })),
        },
        { description: 'The engine\'s decision with its explain trace' },
      ),
    }),
  ),
})

export const SIMULATE_OPERATIONS: readonly OperationSpec[] = [
  {
    method: 'post',
    path: '/v1/simulate',
    operationId: 'simulate',
    tags: ['policy'],
    summary: 'Decide an OSS operation against the caller\'s own scoped policy, with the trace',
    description: 'Only scopes the caller holds may be simulated (403 ERR_SCOPE_FORBIDDEN otherwise). Traces name policies, never server file paths.',
    security: 'bearer',
    body: { required: true, content: json(SimulateBody, { operation: 'GetObject', key: 'alice/photos/cat.png' }) },
    responses: { '200': { description: 'The decision and the trace of each check', content: json(SimulateAnswer) } },
    errors: [...BODY_ERRORS, ...AUTH_ERRORS, 'ERR_OPERATION_INVALID', 'ERR_SCOPE_UNKNOWN', 'ERR_SCOPE_FORBIDDEN', 'ERR_TEMPLATE_VALUE', 'ERR_INTERNAL'],
  },
]
