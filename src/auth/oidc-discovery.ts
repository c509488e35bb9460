import { parseJsonText } from '../lib/parse-json.js'
import { boundedGet, checkProviderUrl, ProviderFetchError, type BoundedFetchOptions } from './bounded-fetch.js'

export interface DiscoveredProvider {
  readonly issuer: string
  readonly jwksUri: URL
  readonly algorithms?: readonly string[]
}

/**
 * The issuer's OpenID Provider metadata (`/.well-known/openid-configuration`, OpenID Connect
 * Discovery 1.0 section 4): its `issuer` must equal the configured one exactly (section 4.3),
 * and its `jwks_uri` must be https like everything else.
 */
export async function discoverProvider(issuer: string, options: BoundedFetchOptions): Promise<DiscoveredProvider> {
  const url = new URL(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)
  const answer = await boundedGet(url, options)
  if (answer.status !== 200) throw new ProviderFetchError('status', `${url.origin}${url.pathname} answered ${answer.status}`)
  const parsed = parseJsonText(answer.body)
  if (!parsed.ok) throw new ProviderFetchError('not-json', 'the discovery document is not JSON')
  const doc = parsed.value as { issuer?: unknown; jwks_uri?: unknown; id_token_signing_alg_values_supported?: unknown } | null
  if (doc === null || typeof doc !== 'object' || typeof doc.jwks_uri !== 'string') throw new ProviderFetchError('malformed', 'the discovery document has no jwks_uri')
  if (doc.issuer !== issuer) throw new ProviderFetchError('issuer-mismatch', 'the discovery document names another issuer')
  let jwksUri: URL
  try {
    jwksUri = new URL(doc.jwks_uri)
  } catch (err) {
    throw new ProviderFetchError('malformed', 'the discovery document has an invalid jwks_uri', { cause: err })
  }
  checkProviderUrl(jwksUri, options.allowHttpLoopback)
  const algs = doc.id_token_signing_alg_values_supported
  return { issuer, jwksUri, ...(Array.isArray(algs) ? { algorithms: algs.filter((a): a is string => typeof a === 'string') } : {}) }
}
