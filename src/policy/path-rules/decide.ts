import { endsWithAny, literalStart, type Grant, type ResolvedToken } from './grants.js'
import type { Verb } from './rule-set.js'

/**
 * What the rules themselves say, read straight from the resolved grants without any RAM policy
 * in between: the reference the compiled policy is proved against, and what /v1/areas reports.
 * Overlapping rules are a union: a request is allowed when any grant allows it; nothing denies.
 */

/** May the caller use `verb` (read, write or delete) on this object? */
export function rulesAllowObject(grants: readonly Grant[], verb: Exclude<Verb, 'list'>, bucket: string, key: string): boolean {
  return grants.some((g) => g.bucket === bucket && g.verbs.includes(verb) && tokensMatch(g.tokens, key))
}

/**
 * May the caller list this prefix? `list` asks for ListObjects; `write` for
 * ListMultipartUploads, which multipart writers need under what they may write. A listing is
 * decided by its prefix alone: it must lie inside a prefix grant (start with the literal text
 * before the grant's first wildcard). The delimiter does not matter, and neither does listing
 * a parent: `protected/` is listable when `protected/{user}/*` grants `list` to authenticated
 * (anyone's id), but `private/` is not when `private/{user}/*` grants it to the owner only.
 */
export function rulesAllowListing(grants: readonly Grant[], verb: 'list' | 'write', bucket: string, prefix: string): boolean {
  return grants.some((g) => g.bucket === bucket && g.verbs.includes(verb) && endsWithAny(g.tokens) && prefix.startsWith(literalStart(g.tokens)))
}

/** Does the key match the pattern (`any` is any run of characters, `/` included)? */
export function tokensMatch(tokens: readonly ResolvedToken[], key: string): boolean {
  // The pattern as p0 * p1 * ... * pn, where p0 and pn may be empty.
  const pieces: string[] = ['']
  for (const t of tokens) {
    if (t.kind === 'any') pieces.push('')
    else pieces[pieces.length - 1] += t.text
  }
  const first = pieces[0] as string
  if (pieces.length === 1) return key === first
  const final = pieces[pieces.length - 1] as string
  if (key.length < first.length + final.length || !key.startsWith(first) || !key.endsWith(final)) return false
  let from = first.length
  const end = key.length - final.length
  for (const piece of pieces.slice(1, -1)) {
    const at = key.indexOf(piece, from)
    if (at < 0 || at + piece.length > end) return false
    from = at + piece.length
  }
  return true
}
