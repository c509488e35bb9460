/** A demo user of sandbox mode; never created in cloud mode. */
export interface DemoUser {
  readonly username: string
  readonly password: string
  readonly scopes: readonly string[]
}

export type JwtAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'EdDSA'

/** `auth.external` as written in config.json (the one-provider form kept from before `auth.providers`). */
export interface ExternalIdp {
  readonly name?: string
  readonly issuer: string
  readonly audience: string
  readonly algorithms: readonly JwtAlgorithm[]
  /** kid to absolute PEM path. */
  readonly publicKeys?: Readonly<Record<string, string>>
  readonly jwksUrl?: string
  /** The claim holding the user's scopes (a list or a space-separated string). */
  readonly scopesClaim: string
}

/** An identity provider whose JWTs ossvend accepts (`auth.providers[]`), defaults filled in. */
export interface IdentityProviderConfig {
  /** `[a-z][a-z0-9-]{0,15}`: the part of its users' ids before the dot. */
  readonly name: string
  readonly issuer: string
  readonly audience: string
  readonly algorithms: readonly JwtAlgorithm[]
  /** Keys: a JWKS URL, or PEM files by kid; with neither, the issuer's discovery document. */
  readonly jwksUrl?: string
  readonly publicKeys?: Readonly<Record<string, string>>
  /** The claim that identifies the user (default `sub`). */
  readonly userClaim: string
  /** A claim whose values are scope names granted as they are (a list or a space-separated string). */
  readonly scopesClaim?: string
  /** A claim (e.g. `groups`) whose values map to scopes. */
  readonly claimScopes?: { readonly claim: string; readonly values: Readonly<Record<string, readonly string[]>> }
  /** Scopes every user of this provider gets. */
  readonly defaultScopes: readonly string[]
  /** Claims a token must carry with exactly these values (e.g. `email_verified: true`). */
  readonly requiredClaims: Readonly<Record<string, string | number | boolean>>
  readonly jwksMaxAgeSec: number
  readonly jwksCooldownSec: number
  readonly jwksTimeoutMs: number
  readonly jwksMaxBytes: number
  readonly jwksMaxKeys: number
  /** Absolute path of extra CA certificates (PEM) for this provider's https. */
  readonly caFile?: string
  /** Plain http to a loopback address, for development only. */
  readonly allowInsecureLoopback: boolean
}

/** `oss.buckets.NAME`. */
export interface OssBucketConfig {
  /** Default: `oss.region`. A scope's buckets must share one region (one STS token). */
  readonly region?: string
  /** A custom domain bound to the bucket (`https://media.example.com`): signed URLs and forms use it. */
  readonly cname?: string
}

/** `config.json` after validation; paths are absolute, every default is filled in; no secrets. */
export interface Config {
  readonly source: string
  readonly mode: 'auto' | 'sandbox' | 'cloud'
  readonly server: {
    readonly host: string
    readonly port: number
    readonly bodyLimitBytes: number
    readonly trustProxy: false | number | string | readonly string[]
    readonly corsOrigins: readonly string[]
    readonly shutdownGraceMs: number
    /** Authenticated requests one user may make per minute, across all instances when Redis is shared. */
    readonly userRequestsPerMinute: number
    /** How OSS reaches this server for upload callbacks; defaults to the listening address. */
    readonly publicUrl?: string
  }
  readonly auth: {
    readonly issuer: string
    readonly audience: string
    readonly accessTokenTtlSec: number
    readonly clockToleranceSec: number
    readonly usersFile: string
    /** scrypt cost for new password hashes (2^N); 17 in production. */
    readonly scryptLog2N: number
    readonly loginThrottle: { readonly perUserFailures: number; readonly perIpFailures: number; readonly windowSec: number }
    readonly demoUsers: readonly DemoUser[]
    readonly external?: ExternalIdp
    /** Every external provider, `auth.external` first (named `external` unless it has a name). */
    readonly providers: readonly IdentityProviderConfig[]
    /** How long a refresh token family lives from sign-in. */
    readonly refreshTokenTtlSec: number
    /** Signed-out access (`POST /v1/guest`); off unless enabled. */
    readonly guest: { readonly enabled: boolean; readonly scope?: string; readonly ttlSec: number; readonly perIpPerMinute: number; readonly perMinute: number }
  }
  readonly oss: {
    readonly bucket: string
    readonly region: string
    readonly account: string
    readonly endpoint?: string
    /** Further buckets path rules may name, and per-bucket settings (the default bucket may be listed too). */
    readonly buckets?: Readonly<Record<string, OssBucketConfig>>
  }
  readonly sts: {
    readonly roleArn: string
    /** DurationSeconds asked of AssumeRole (3600, STS's default), at most `maxSessionDurationSec`. */
    readonly durationSec: number
    /** The role's MaxSessionDuration in RAM (3600 to 43200); the sandbox STS enforces it. */
    readonly maxSessionDurationSec: number
    readonly endpoint?: string
    /** Refresh once less than this share of the lifetime remains. */
    readonly refreshRatio: number
    /** Never hand out credentials with less than this share of the lifetime left. */
    readonly minServeRatio: number
    readonly attemptTimeoutMs: number
    readonly deadlineMs: number
    readonly maxAttempts: number
    /**
     * AssumeRole calls per second this instance spreads its calls at (STS's quota: 100 per
     * account); unset: `sandbox.stsRateLimitPerSecond` in sandbox mode, else 100.
     */
    readonly maxCallsPerSecond?: number
    readonly mobileErrorsAsOk: boolean
    readonly cacheMaxEntries: number
    /**
     * Accept the user's full session token as `?access_token=` on GET /v1/sts (the old way; a
     * leaked URL then carries the whole session). Off: only provider tokens go in URLs.
     */
    readonly acceptSessionTokenInUrl: boolean
    /**
     * Also put `Bucket`, `Region`, `Endpoint`, `Prefix`, `Scope` at the top level of /v1/sts (the
     * old shape). Off by default: ali-oss's `refreshSTSToken` merges top-level keys into its options.
     */
    readonly flatPlacement: boolean
    /** Narrow tokens for credential-provider URLs (POST /v1/sts/provider-url). */
    readonly providerTokens: { readonly defaultTtlSec: number; readonly maxTtlSec: number }
  }
  readonly sign: {
    readonly signatureVersion: 'v4' | 'v1'
    /** Signed URL lifetime when the client asks for none. */
    readonly urlTtlSec: number
    /** Longest signed URL lifetime per method; longer requests are cut to it. */
    readonly maxUrlTtlSec: Readonly<Record<'GET' | 'HEAD' | 'PUT' | 'DELETE', number>>
    /** How long a PostObject form is accepted. */
    readonly postTtlSec: number
    readonly maxUploadBytes: number
    /** Content types a form may upload; empty means any. */
    readonly contentTypes: readonly string[]
    readonly forbidOverwrite: boolean
    readonly serverSideEncryption?: { readonly algorithm: 'AES256' } | { readonly algorithm: 'KMS'; readonly keyId?: string }
    /** Ask OSS to call POST /v1/oss/callback after form uploads. */
    readonly callback: boolean
    /** The upload page sends files at least this large in parts, with STS credentials. */
    readonly multipartThresholdBytes: number
    /** `x-oss-process` operations a signed GET may carry (`resize`, or qualified `video/snapshot`). */
    readonly processOperations: readonly string[]
  }
  readonly sandbox: {
    readonly stsPort: number
    readonly ossPort: number
    readonly stsRateLimitPerSecond: number
    readonly dataDir: string
    readonly bucketAcl: 'private' | 'public-read' | 'public-read-write'
    /** The sandbox bucket's referer whitelist file (anti-leech); none checks nothing. */
    readonly referer?: string
    /** `host[:port]`s the sandbox OSS may post upload callbacks to, besides ossvend's own. */
    readonly callbackHosts: readonly string[]
  }
  /** Shared state for several instances; none keeps everything in this process. */
  readonly store: {
    /** From REDIS_URL or config.json; may hold a password, so it is never logged. */
    readonly redisUrl?: string
    readonly keyPrefix: string
    /** Without Redis: where state that must outlive a restart is kept (used callback tickets). */
    readonly dataDir: string
  }
  readonly policies: {
    /**
     * Scope name to the absolute path of its template or rules file, or to path rules written in
     * the configuration itself (`{ "rules": [...] }`).
     */
    readonly scopes: Readonly<Record<string, ScopeSetting>>
    readonly defaultScope: string
    /** The scope the storage browser page (GET /) shows; `defaultScope` unless set. */
    readonly pageScope: string
    readonly rolePolicies: readonly string[]
    readonly referer?: string
  }
  /** Non-fatal findings (a legacy config, secrets in a file); main prints them. */
  readonly warnings: readonly string[]
}

/** Credentials found in a legacy sample-server config file; kept apart from Config. */
export interface LegacyCredentials {
  readonly accessKeyId: string
  readonly accessKeySecret: string
}

/** A scope in `policies.scopes`: a template or rules file's path, or path rules inline. */
export type ScopeSetting = string | InlineScopeRules

/** Path rules written in the configuration (the same document a rules file holds). */
export interface InlineScopeRules {
  readonly rules: readonly unknown[]
}
