export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['oss', 'policies'],
  properties: {
    mode: { type: 'string', enum: ['auto', 'sandbox', 'cloud'] },
    server: {
      type: 'object',
      additionalProperties: false,
      properties: {
        host: { type: 'string', minLength: 1 },
        port: { type: 'integer', minimum: 0, maximum: 65535 },
      },
    },
    oss: {
      type: 'object',
      additionalProperties: false,
      required: ['bucket', 'region', 'account'],
      properties: {
        bucket: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$' },
        region: { type: 'string', pattern: '^[a-z]{2}-[a-z0-9-]+$' },
        account: { type: 'string', pattern: '^[0-9]{1,32}$' },
      },
    },
    policies: {
      type: 'object',
      additionalProperties: false,
      required: ['scopes'],
      properties: {
        scopes: {
          type: 'object',
          minProperties: 1,
          propertyNames: { pattern: '^[a-z][a-z0-9-]{0,31}$' },
          additionalProperties: { type: 'string', minLength: 1 },
        },
        defaultScope: { type: 'string' },
        rolePolicies: { type: 'array', items: { type: 'string', minLength: 1 } },
        referer: { type: 'string', minLength: 1 },
      },
    },
  },
} as const
