import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ClaimUnusableError } from '../../../../src/errors.js'
import { rulesAllowListing, rulesAllowObject } from '../../../../src/policy/path-rules/decide.js'
import type { RuleCaller } from '../../../../src/policy/path-rules/grants.js'
import { renderRules } from '../../../../src/policy/path-rules/render-rules.js'
import { parseRuleSet, type Role, type Verb } from '../../../../src/policy/path-rules/rule-set.js'
import { authorizeOperation } from '../../../../src/policy/operations.js'

const TARGET = { account: '1234', defaultBucket: 'app-base-oss' }
const SEGMENTS = ['public', 'media', 'a', 'b.txt', '{user}', '{claims.team}']
const KEY_SEGMENTS = ['public', 'media', 'a', 'b.txt', 'alice', 'bob', 'alice0', 'red', 'blue', '..', '.', '', 'x', 'al', '\u0430lice', 'publ\u0131c']
const ALL_VERBS: Verb[] = ['read', 'list', 'write', 'delete']

/** A valid rule by construction: owner only with {user}, list only on a prefix. */
const ruleArb = fc
  .record({
    segments: fc.array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 3 }),
    ending: fc.constantFrom('/*', '', '-*', '*'),
    bucket: fc.constantFrom(undefined, 'media-east'),
    access: fc.record({
      guest: fc.option(fc.subarray(ALL_VERBS, { minLength: 1 }), { nil: undefined }),
      authenticated: fc.option(fc.subarray(ALL_VERBS, { minLength: 1 }), { nil: undefined }),
      owner: fc.option(fc.subarray(ALL_VERBS, { minLength: 1 }), { nil: undefined }),
    }),
  })
  .map(({ segments, ending, bucket, access }) => {
    const path = segments.join('/') + (ending === '-*' && !segments.at(-1)?.startsWith('{') ? '-*' : ending === '-*' ? '/*' : ending)
    const prefix = path.endsWith('*')
    const usable = (role: Role, verbs: Verb[] | undefined) => {
      if (!verbs) return undefined
      if (role === 'owner' && !segments.includes('{user}')) return undefined
      const kept = prefix ? verbs : verbs.filter((v) => v !== 'list')
      return kept.length > 0 ? kept : undefined
    }
    const granted = Object.fromEntries((['guest', 'authenticated', 'owner'] as const).map((r) => [r, usable(r, access[r])]).filter(([, v]) => v))
    return { path: path.endsWith('}*') ? `${path.slice(0, -1)}/*` : path, ...(bucket ? { bucket } : {}), access: Object.keys(granted).length > 0 ? granted : { authenticated: ['read'] } }
  })

const callerArb: fc.Arbitrary<RuleCaller> = fc.record({
  user: fc.constantFrom('alice', 'bob', 'guest._0123456789abcdef0123456789abcdef01234567'),
  team: fc.constantFrom('red', 'blue'),
}).map(({ user, team }) => ({ user, guest: user.startsWith('guest.'), claims: { team } }))

const keyArb = fc.array(fc.constantFrom(...KEY_SEGMENTS), { minLength: 1, maxLength: 4 }).map((s) => s.join('/'))

describe('path rules: the compiled policy says what the rules say (property)', () => {
  it('for random rules, callers, keys and prefixes, the engine on the policy and the rules agree', () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { minLength: 1, maxLength: 4 }), callerArb, fc.array(keyArb, { minLength: 1, maxLength: 12 }), (rawRules, caller, keys) => {
        const rules = parseRuleSet({ rules: rawRules })
        let rendered
        try {
          // The proof runs inside: a policy that differs from its rules is refused with ERR_POLICY_PROBE_FAILED.
          rendered = renderRules(rules, caller, TARGET)
        } catch (err) {
          if ((err as { code?: string }).code === 'ERR_SCOPE_FORBIDDEN') return
          throw err
        }
        const layers = { session: [rendered.policy] }
        for (const bucket of ['app-base-oss', 'media-east', 'elsewhere']) {
          for (const key of keys) {
            // An empty key is no object: it is the bucket root, a listing (below).
            for (const [verb, operation] of key === '' ? [] : [['read', 'GetObject'], ['write', 'PutObject'], ['write', 'AbortMultipartUpload'], ['delete', 'DeleteObject']] as const) {
              const engine = authorizeOperation(layers, operation, { bucket, key, account: TARGET.account }).decision === 'Allow'
              expect(engine, `${operation} ${bucket}/${key}`).toBe(rulesAllowObject(rendered.grants, verb, bucket, key))
            }
            for (const prefix of [key, `${key}/`]) {
              const engine = authorizeOperation(layers, 'ListObjects', { bucket, prefix, delimiter: '/', account: TARGET.account }).decision === 'Allow'
              expect(engine, `ListObjects ${bucket} ${prefix}`).toBe(rulesAllowListing(rendered.grants, 'list', bucket, prefix))
            }
          }
          expect(authorizeOperation(layers, 'PutBucketAcl', { bucket, account: TARGET.account }).decision).not.toBe('Allow')
        }
      }),
      { numRuns: 150 },
    )
  })

  it('a missing or unsafe claim is a 403 with a stable code, never an empty segment', () => {
    const rules = parseRuleSet({ rules: [{ path: 'teams/{claims.team}/*', access: { authenticated: ['read'] } }] })
    const reasonOf = (claims: Record<string, unknown>) => {
      try {
        renderRules(rules, { user: 'alice', guest: false, claims }, TARGET)
        return 'rendered'
      } catch (err) {
        expect(err).toBeInstanceOf(ClaimUnusableError)
        return `${(err as ClaimUnusableError).code} ${(err as ClaimUnusableError).reason}`
      }
    }
    expect(reasonOf({})).toBe('ERR_CLAIM_UNUSABLE claim-missing')
    expect(reasonOf({ team: '' })).toBe('ERR_CLAIM_UNUSABLE claim-missing')
    for (const bad of ['*', 'a/b', '..', 'red?', 'R\u0435d', 42, ['red']]) expect(reasonOf({ team: bad })).toBe('ERR_CLAIM_UNUSABLE claim-charset')
    expect(reasonOf({ team: 'red' })).toBe('rendered')
    expect(renderRules(rules, { user: 'alice', guest: false, claims: { team: 'red' } }, TARGET).text).toContain('app-base-oss/teams/red/*')
  })
})
