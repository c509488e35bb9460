const positiveInt = { type: 'integer', minimum: 1 } as const
const ratio = { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 } as const
const scopeName = { type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$' } as const

export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'] as const

/** One identity provider (`auth.providers[]`, and the older `auth.external`). */
const IDENTITY_PROVIDER_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['issuer', 'audience', 'algorithms'],
  properties: {
    name: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,15}$' },
    issuer: { type: 'string', minLength: 1, maxLength: 512 },
    audience: { type: 'string', minLength: 1, maxLength: 512 },
    algorithms: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: JWT_ALGORITHMS } },
    publicKeys: { type: 'object', maxProperties: 64, additionalProperties: { type: 'string', minLength: 1 } },
    jwksUrl: { type: 'string', pattern: '^https?://' },
    userClaim: { type: 'string', minLength: 1, maxLength: 64 },
    scopesClaim: { type: 'string', minLength: 1, maxLength: 64 },
    claimScopes: {
      type: 'object',
      additionalProperties: false,
      required: ['claim', 'values'],
      properties: {
        claim: { type: 'string', minLength: 1, maxLength: 64 },
        values: { type: 'object', maxProperties: 256, additionalProperties: { type: 'array', items: scopeName } },
      },
    },
    defaultScopes: { type: 'array', items: scopeName },
    requiredClaims: { type: 'object', maxProperties: 16, additionalProperties: { type: ['string', 'number', 'boolean'] } },
    jwksMaxAgeSec: { type: 'integer', minimum: 10, maximum: 86400 },
    jwksCooldownSec: { type: 'integer', minimum: 1, maximum: 3600 },
    jwksTimeoutMs: { type: 'integer', minimum: 100, maximum: 30000 },
    jwksMaxBytes: { type: 'integer', minimum: 1024, maximum: 1048576 },
    jwksMaxKeys: { type: 'integer', minimum: 1, maximum: 256 },
    caFile: { type: 'string', minLength: 1 },
    allowInsecureLoopback: { type: 'boolean' },
  },
} as const

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
        bodyLimitBytes: { type: 'integer', minimum: 256, maximum: 1048576 },
        // A hop count or the proxies' addresses/CIDRs; `true` (trust every hop) is refused in load.ts.
        trustProxy: {
          anyOf: [
            { type: 'boolean' },
            { type: 'integer', minimum: 0, maximum: 64 },
            { type: 'string', minLength: 1, maxLength: 4096 },
            { type: 'array', minItems: 1, maxItems: 256, items: { type: 'string', minLength: 1, maxLength: 64 } },
          ],
        },
        corsOrigins: { type: 'array', items: { type: 'string', pattern: '^https?://[^/*\\s]+$' } },
        shutdownGraceMs: { type: 'integer', minimum: 0, maximum: 600000 },
        userRequestsPerMinute: { type: 'integer', minimum: 1, maximum: 1000000 },
        publicUrl: { type: 'string', pattern: '^https?://[^/]+$' },
      },
    },
    auth: {
      type: 'object',
      additionalProperties: false,
      properties: {
        issuer: { type: 'string', minLength: 1 },
        audience: { type: 'string', minLength: 1 },
        accessTokenTtlSec: { type: 'integer', minimum: 60, maximum: 86400 },
        clockToleranceSec: { type: 'integer', minimum: 0, maximum: 60 },
        usersFile: { type: 'string', minLength: 1 },
        scryptLog2N: { type: 'integer', minimum: 10, maximum: 20 },
        loginThrottle: {
          type: 'object',
          additionalProperties: false,
          properties: { perUserFailures: positiveInt, perIpFailures: positiveInt, windowSec: positiveInt },
        },
        demoUsers: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['username', 'password', 'scopes'],
            properties: {
              username: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' },
              password: { type: 'string', minLength: 8 },
              scopes: { type: 'array', items: { type: 'string' } },
            },
          },
        },
        external: IDENTITY_PROVIDER_SCHEMA,
        providers: { type: 'array', maxItems: 32, items: { ...IDENTITY_PROVIDER_SCHEMA, required: ['name', 'issuer', 'audience', 'algorithms'] } },
        refreshTokenTtlSec: { type: 'integer', minimum: 300, maximum: 31536000 },
        guest: {
          type: 'object',
          additionalProperties: false,
          properties: {
            enabled: { type: 'boolean' },
            scope: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$' },
            ttlSec: { type: 'integer', minimum: 60, maximum: 86400 },
            perIpPerMinute: { type: 'integer', minimum: 1, maximum: 100000 },
            perMinute: { type: 'integer', minimum: 1, maximum: 1000000 },
          },
        },
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
        endpoint: { type: 'string', pattern: '^https?://' },
        // Further buckets path rules may name (`rules[].bucket`), each with its region (default
        // oss.region) and a custom domain bound to it for signed URLs and forms.
        buckets: {
          type: 'object',
          maxProperties: 32,
          propertyNames: { pattern: '^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$' },
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            properties: {
              region: { type: 'string', pattern: '^[a-z]{2}-[a-z0-9-]+$' },
              cname: { type: 'string', pattern: '^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$' },
            },
          },
        },
      },
    },
    sts: {
      type: 'object',
      additionalProperties: false,
      properties: {
        roleArn: { type: 'string', pattern: '^acs:ram::[0-9]+:role/[A-Za-z0-9._-]+$' },
        durationSec: { type: 'integer', minimum: 900, maximum: 43200 },
        maxSessionDurationSec: { type: 'integer', minimum: 3600, maximum: 43200 },
        endpoint: { type: 'string', minLength: 1 },
        refreshRatio: ratio,
        minServeRatio: ratio,
        attemptTimeoutMs: { type: 'integer', minimum: 50, maximum: 60000 },
        deadlineMs: { type: 'integer', minimum: 100, maximum: 120000 },
        maxAttempts: { type: 'integer', minimum: 1, maximum: 10 },
        maxCallsPerSecond: { type: 'integer', minimum: 1, maximum: 100000 },
        mobileErrorsAsOk: { type: 'boolean' },
        cacheMaxEntries: { type: 'integer', minimum: 1, maximum: 10000000 },
        acceptSessionTokenInUrl: { type: 'boolean' },
        flatPlacement: { type: 'boolean' },
        providerTokens: {
          type: 'object',
          additionalProperties: false,
          properties: {
            defaultTtlSec: { type: 'integer', minimum: 60, maximum: 2592000 },
            maxTtlSec: { type: 'integer', minimum: 60, maximum: 2592000 },
          },
        },
      },
    },
    sign: {
      type: 'object',
      additionalProperties: false,
      properties: {
        signatureVersion: { enum: ['v4', 'v1'] },
        urlTtlSec: { type: 'integer', minimum: 1, maximum: 604800 },
        maxUrlTtlSec: {
          type: 'object',
          additionalProperties: false,
          properties: Object.fromEntries(['GET', 'HEAD', 'PUT', 'DELETE'].map((m) => [m, { type: 'integer', minimum: 1, maximum: 604800 }])),
        },
        postTtlSec: { type: 'integer', minimum: 60, maximum: 3600 },
        maxUploadBytes: { type: 'integer', minimum: 1, maximum: 5368709120 },
        contentTypes: { type: 'array', items: { type: 'string', pattern: '^[a-z]+/[a-z0-9.+*-]+$' } },
        forbidOverwrite: { type: 'boolean' },
        serverSideEncryption: {
          type: 'object',
          additionalProperties: false,
          required: ['algorithm'],
          properties: { algorithm: { enum: ['AES256', 'KMS'] }, keyId: { type: 'string', minLength: 1 } },
        },
        callback: { type: 'boolean' },
        processOperations: { type: 'array', maxItems: 64, items: { type: 'string', pattern: '^((image|video|doc|style)/)?[a-z][a-z0-9-]{0,31}$' } },
        multipartThresholdBytes: { type: 'integer', minimum: 102400 },
      },
    },
    sandbox: {
      type: 'object',
      additionalProperties: false,
      properties: {
        stsPort: { type: 'integer', minimum: 0, maximum: 65535 },
        ossPort: { type: 'integer', minimum: 0, maximum: 65535 },
        bucketAcl: { enum: ['private', 'public-read', 'public-read-write'] },
        referer: { type: 'string', minLength: 1 },
        stsRateLimitPerSecond: { type: 'integer', minimum: 1, maximum: 100000 },
        dataDir: { type: 'string', minLength: 1 },
        callbackHosts: { type: 'array', maxItems: 32, items: { type: 'string', pattern: '^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\\[[0-9A-Fa-f:.]+\\](:[0-9]{1,5})?$' } },
      },
    },
    store: {
      type: 'object',
      additionalProperties: false,
      properties: {
        redisUrl: { type: 'string', pattern: '^rediss?://' },
        keyPrefix: { type: 'string', pattern: '^[A-Za-z0-9:_-]{1,64}$' },
        dataDir: { type: 'string', minLength: 1 },
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
          // A template or rules file's path, or path rules inline (checked by the rules' own schema).
          additionalProperties: {
            oneOf: [
              { type: 'string', minLength: 1 },
              { type: 'object', required: ['rules'], properties: { rules: { type: 'array' } } },
            ],
          },
        },
        defaultScope: { type: 'string' },
        pageScope: { type: 'string' },
        rolePolicies: { type: 'array', items: { type: 'string', minLength: 1 } },
        referer: { type: 'string', minLength: 1 },
      },
    },
  },
} as const

/** The official sample app server's config.json (rockuw/node-sts-app-server and its twins). */
export const LEGACY_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['RoleArn'],
  properties: {
    AccessKeyID: { type: 'string' },
    AccessKeyId: { type: 'string' },
    AccessKeySecret: { type: 'string' },
    RoleArn: { type: 'string', pattern: '^acs:ram::[0-9]+:role/[A-Za-z0-9._-]+$' },
    TokenExpireTime: { type: ['string', 'integer'], pattern: '^[0-9]+$' },
    PolicyFile: { type: 'string' },
  },
} as const
