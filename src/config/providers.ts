import { resolve } from 'node:path'
import type { Issue } from '../errors.js'
import { isLoopbackHost } from '../auth/bounded-fetch.js'
import { RESERVED_PROVIDER_NAMES } from '../auth/user-id.js'
import type { ExternalIdp, IdentityProviderConfig } from './types.js'

type ProviderInput = Partial<Omit<IdentityProviderConfig, 'name' | 'issuer' | 'audience' | 'algorithms'>> & Pick<IdentityProviderConfig, 'issuer' | 'audience' | 'algorithms'> & { name?: string }

/**
 * `auth.external` (as a one-entry list, named `external` unless named) and `auth.providers`,
 * defaults filled in and paths made absolute. Every problem is pushed to `issues`.
 */
export function normaliseProviders(
  auth: { external?: ExternalIdp; providers?: readonly ProviderInput[]; issuer?: string } | undefined,
  base: string,
  scopeNames: readonly string[],
  issues: Issue[],
): IdentityProviderConfig[] {
  const inputs: { input: ProviderInput; pointer: string; legacy: boolean }[] = []
  if (auth?.external) inputs.push({ input: auth.external, pointer: '/auth/external', legacy: true })
  ;(auth?.providers ?? []).forEach((input, i) => inputs.push({ input, pointer: `/auth/providers/${i}`, legacy: false }))
  const names = new Set<string>()
  const issuers = new Set<string>([auth?.issuer ?? 'ossvend'])
  return inputs.map(({ input, pointer, legacy }) => {
    const name = input.name ?? (legacy ? 'external' : '')
    if (RESERVED_PROVIDER_NAMES.includes(name)) issues.push({ pointer: `${pointer}/name`, code: 'config.provider-name', message: `"${name}" is reserved for ossvend's own users` })
    else if (names.has(name)) issues.push({ pointer: `${pointer}/name`, code: 'config.provider-name', message: `two providers are named "${name}"` })
    names.add(name)
    if (issuers.has(input.issuer)) issues.push({ pointer: `${pointer}/issuer`, code: 'config.provider-issuer', message: 'two issuers are the same (tokens are routed to their provider by iss)' })
    issuers.add(input.issuer)
    const insecure = input.allowInsecureLoopback ?? false
    if (input.jwksUrl && input.publicKeys) issues.push({ pointer, code: 'config.idp-keys', message: 'give either "jwksUrl" or "publicKeys", not both' })
    if (legacy && !input.jwksUrl && !input.publicKeys) issues.push({ pointer, code: 'config.idp-keys', message: 'an external identity provider needs "publicKeys" or "jwksUrl"' })
    const fetched = input.jwksUrl ? ['jwksUrl', input.jwksUrl] : input.publicKeys ? undefined : ['issuer', input.issuer]
    if (fetched) {
      const problem = urlProblem(fetched[1] as string, insecure)
      if (problem) issues.push({ pointer: `${pointer}/${fetched[0]}`, code: 'config.idp-url', message: problem })
    }
    const scopes = [...(input.defaultScopes ?? []), ...Object.values(input.claimScopes?.values ?? {}).flat()]
    for (const scope of scopes) {
      if (!scopeNames.includes(scope)) issues.push({ pointer, code: 'config.scope-unknown', message: `"${scope}" is not a scope` })
    }
    return {
      name,
      issuer: input.issuer,
      audience: input.audience,
      algorithms: input.algorithms,
      ...(input.jwksUrl ? { jwksUrl: input.jwksUrl } : {}),
      ...(input.publicKeys ? { publicKeys: Object.fromEntries(Object.entries(input.publicKeys).map(([kid, p]) => [kid, resolve(base, p)])) } : {}),
      userClaim: input.userClaim ?? 'sub',
      ...(input.scopesClaim ?? (legacy ? 'scope' : undefined) ? { scopesClaim: input.scopesClaim ?? 'scope' } : {}),
      ...(input.claimScopes ? { claimScopes: input.claimScopes } : {}),
      defaultScopes: input.defaultScopes ?? [],
      requiredClaims: input.requiredClaims ?? {},
      jwksMaxAgeSec: input.jwksMaxAgeSec ?? 600,
      jwksCooldownSec: input.jwksCooldownSec ?? 30,
      jwksTimeoutMs: input.jwksTimeoutMs ?? 5000,
      jwksMaxBytes: input.jwksMaxBytes ?? 65536,
      jwksMaxKeys: input.jwksMaxKeys ?? 32,
      ...(input.caFile ? { caFile: resolve(base, input.caFile) } : {}),
      allowInsecureLoopback: insecure,
    }
  })
}

function urlProblem(text: string, allowInsecureLoopback: boolean): string | undefined {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return `"${text}" is not a URL`
  }
  if (url.protocol === 'https:') return undefined
  if (url.protocol === 'http:' && allowInsecureLoopback && isLoopbackHost(url.hostname)) return undefined
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return 'must be https (plain http only to loopback with "allowInsecureLoopback": true, for development)'
  return 'must be https'
}
