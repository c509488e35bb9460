/**
 * The shape of a RAM policy document, checked by ajv before the semantic pass. Only shape lives
 * here; what the strings mean (actions, resources, operators) is checked in `parse.ts`.
 */
const stringOrList = {
  type: ['string', 'array'],
  items: { type: 'string' },
  minItems: 1,
} as const

const conditionValue = {
  type: ['string', 'number', 'boolean', 'array'],
  items: { type: ['string', 'number', 'boolean'] },
  minItems: 1,
} as const

export const POLICY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['Version', 'Statement'],
  properties: {
    Version: { type: 'string', enum: ['1'] },
    Statement: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['Effect'],
        properties: {
          Sid: { type: 'string' },
          Effect: { type: 'string', enum: ['Allow', 'Deny'] },
          Action: stringOrList,
          NotAction: stringOrList,
          Resource: stringOrList,
          NotResource: stringOrList,
          // An empty Principal list means everyone, as in OSS bucket policies.
          Principal: { type: ['string', 'array'], items: { type: 'string' } },
          Condition: {
            type: 'object',
            additionalProperties: { type: 'object', additionalProperties: conditionValue },
          },
        },
      },
    },
  },
} as const
