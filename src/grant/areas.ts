import type { Policy } from '../policy/types.js'
import { authorizeOperation } from '../policy/operations.js'
import { endsWithAny, literalStart, type Grant } from '../policy/path-rules/grants.js'
import { VERBS, type Verb } from '../policy/path-rules/rule-set.js'
import { placementOf, type PlacementBase } from './bucket-placement.js'
import { isRulesRendered, type ScopePolicy } from './scopes.js'

/** A part of storage a scope gives the caller: a bucket, a directory prefix and the verbs there. */
export interface Area {
  readonly id: string
  readonly label: string
  readonly bucket: string
  readonly endpoint: string
  readonly cname: boolean
  readonly prefix: string
  readonly verbs: readonly Verb[]
}

/**
 * The caller's areas in a rendered scope. Path rules: one area per grant of a directory (a prefix
 * ending in "/"), merged where two grants name the same directory (their verbs joined, as the
 * rules are a union); a rule's own-`{user}` area is `ID-mine` when the same rule also shares the
 * directory with the caller's other role. Grants of exact keys, or of prefixes not ending in "/",
 * are not areas. A template scope: one area, `home`, with the verbs its policy grants there,
 * found by asking the policy engine (session and role policies together, as OSS decides).
 */
export function areasOf(rendered: ScopePolicy, base: PlacementBase, rolePolicies: readonly Policy[]): Area[] {
  if (!isRulesRendered(rendered)) {
    const bucket = base.config.oss.bucket
    const layers = rolePolicies.length > 0 ? { session: [rendered.policy], identity: rolePolicies } : { session: [rendered.policy] }
    const params = { bucket, account: base.config.oss.account }
    const key = `${rendered.prefix}probe.txt`
    const allows = (operation: string, extra: Record<string, string>) => authorizeOperation(layers, operation, { ...params, ...extra }).decision === 'Allow'
    const verbs = VERBS.filter((verb) =>
      verb === 'list' ? allows('ListObjects', { prefix: rendered.prefix })
        : allows({ read: 'GetObject', write: 'PutObject', delete: 'DeleteObject' }[verb], { key }))
    return [{ id: 'home', label: 'Home', ...placed(base, bucket), prefix: rendered.prefix, verbs }]
  }
  const byPlace = new Map<string, { id: string; label: string; bucket: string; prefix: string; verbs: Set<Verb> }>()
  const ids = new Set<string>()
  for (const grant of rendered.grants) {
    if (!endsWithAny(grant.tokens)) continue
    const prefix = literalStart(grant.tokens)
    if (!prefix.endsWith('/')) continue
    const place = `${grant.bucket}/${prefix}`
    const existing = byPlace.get(place)
    if (existing) {
      for (const verb of grant.verbs) existing.verbs.add(verb)
      continue
    }
    const { id, label } = nameOf(grant, rendered.grants)
    let unique = id
    for (let n = 2; ids.has(unique); n++) unique = `${id}-${n}`
    ids.add(unique)
    byPlace.set(place, { id: unique, label, bucket: grant.bucket, prefix, verbs: new Set(grant.verbs) })
  }
  return [...byPlace.values()].map((a) => ({
    id: a.id,
    label: a.label,
    ...placed(base, a.bucket),
    prefix: a.prefix,
    verbs: VERBS.filter((v) => a.verbs.has(v)),
  }))
}

function placed(base: PlacementBase, bucket: string) {
  const p = placementOf(base, bucket)
  return { bucket, endpoint: p.endpoint, cname: p.cname }
}

function nameOf(grant: Grant, all: readonly Grant[]): { id: string; label: string } {
  const rule = grant.rule
  const head = rule.tokens[0]?.kind === 'text' ? rule.tokens[0].text : ''
  const slug = head.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 32)
  const id = rule.id ?? (slug || `area-${rule.index}`)
  const label = rule.label ?? (id.charAt(0).toUpperCase() + id.slice(1).replace(/-/g, ' '))
  if (grant.role !== 'owner') return { id, label }
  const shared = all.some((g) => g.rule === rule && g.role !== 'owner')
  return shared ? { id: `${id}-mine`, label: rule.ownerLabel ?? `${label} (mine)` } : { id, label: rule.ownerLabel ?? label }
}
