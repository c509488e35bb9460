import { createHash } from 'node:crypto'

/**
 * User ids, the values policies are rendered with, for every provider in one namespace.
 *
 * - Built-in users (provider `local`) keep their names: `[a-z0-9][a-z0-9_-]{0,62}`, no dot.
 * - Everyone else is `<provider>.<subject part>`: exactly one dot, so no external id can ever
 *   equal a built-in one, and the part before the dot names the provider (names have no dot).
 * - The subject part is the subject itself when it is plain (`[a-z0-9][a-z0-9_-]*` and short
 *   enough), otherwise `_` and 40 hex digits of its SHA-256. A plain part never starts with `_`,
 *   so a subject can never be spelled to equal another subject's hash.
 * So the encoding is injective: (provider, subject) pairs map to distinct ids (up to a SHA-256
 * collision between two non-plain subjects of one provider).
 */

export const LOCAL_PROVIDER = 'local'
export const GUEST_PROVIDER = 'guest'
/** Names ossvend keeps for itself. */
export const RESERVED_PROVIDER_NAMES: readonly string[] = [LOCAL_PROVIDER, GUEST_PROVIDER]

export const MAX_USER_ID_LENGTH = 63
export const BUILT_IN_USER_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/
export const PROVIDER_NAME = /^[a-z][a-z0-9-]{0,15}$/
/** Any user id ossvend hands to the policy renderer. */
export const USER_ID = /^(?=.{1,63}$)[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9_-]+)?$/
/** What an identity provider's subject may hold: 1-255 visible ASCII characters (OIDC caps `sub` at 255). */
export const SUBJECT = /^[\x21-\x7e]{1,255}$/

const PLAIN_PART = /^[a-z0-9][a-z0-9_-]*$/
const HASH_HEX_DIGITS = 40

/** The user id of `subject` at `provider`; throws RangeError for a subject outside SUBJECT. */
export function namespacedUserId(provider: string, subject: string): string {
  if (!PROVIDER_NAME.test(provider) || provider === LOCAL_PROVIDER) throw new TypeError(`"${provider}" cannot namespace subjects`)
  if (!SUBJECT.test(subject)) throw new RangeError('subject outside the allowed characters')
  const room = MAX_USER_ID_LENGTH - provider.length - 1
  const part = PLAIN_PART.test(subject) && subject.length <= room
    ? subject
    : `_${createHash('sha256').update(subject, 'utf8').digest('hex').slice(0, HASH_HEX_DIGITS)}`
  return `${provider}.${part}`
}

/** The provider a user id belongs to: the part before the dot, or `local` for a built-in id. */
export function providerOf(userId: string): string {
  const dot = userId.indexOf('.')
  return dot < 0 ? LOCAL_PROVIDER : userId.slice(0, dot)
}
