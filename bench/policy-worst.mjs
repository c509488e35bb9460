// bench/policy-worst: the most expensive inputs we could craft for the policy engine (issue 12
// item 3), built at a given size so that the cost can be read at 1x, 2x and 4x. `node
// bench/policy-worst.mjs` prints them alone; bench/policy.mjs reports them beside its own figures.
import { authorize, checkPolicyText, parsePolicyText } from '../dist/index.js'
import { parseJsonText } from '../dist/lib/parse-json.js'
import { measure } from './measure.mjs'

/** The caps the engine applies (src/policy/parse.ts): compact JSON characters per kind. */
export const CAPS = { session: 2_048, identity: 6_144, bucket: 16_384 }
/** Request limits: an object key is at most 1,023 bytes; headers share Node's 16 KiB. */
export const MAX_KEY_BYTES = 1_023
export const MAX_HEADER_VALUE = 16_000

/** Fills `Statement` with `make(i)` until the compact text would pass `chars`. */
function fill(chars, make) {
  const statements = []
  let size = JSON.stringify({ Version: '1', Statement: [] }).length
  for (let i = 0; ; i++) {
    const statement = make(i)
    const more = JSON.stringify(statement).length + (statements.length > 0 ? 1 : 0)
    if (size + more > chars) break
    statements.push(statement)
    size += more
  }
  return { Version: '1', Statement: statements }
}

/** A list of distinct patterns, each `shape(i)`, as long as fits in `chars` of JSON (at most `max`). */
function patterns(chars, shape, max = Infinity) {
  const out = []
  let size = 2
  for (let i = 0; i < max; i++) {
    const p = shape(i)
    size += p.length + 3
    if (size > chars) break
    out.push(p)
  }
  return out.length > 0 ? out : [shape(0)]
}

// The values end in "cb": they hold every literal run of every pattern (else a native look
// refuses it at once) yet never match one, so each pattern scans the whole value.
// One pass each (a segment of at most 32 characters between two '*'), as many as the search caps
// allow: src/policy/parse.ts MAX_CONDITION_SEARCHES and MAX_RESOURCE_SEARCHES.
const qPattern = (i) => `*a${'?'.repeat(1 + (i % 24))}b${'?'.repeat(i % 5)}c*`
const MAX_CONDITION_SEARCHES = 16
const MAX_RESOURCE_SEARCHES = 128
// Patterns that need no search (one '*', or '?' anchored at both ends): a comparison at each end.
const anchoredPattern = (i) => `a${'?'.repeat(i % 40)}a*${'a'.repeat(i % 7)}c`

/**
 * The documents of one worst case at `scale` (1 = the cap): a session, identity and bucket
 * policy, each mostly Deny statements that do not match, so that every statement is evaluated,
 * with many glob patterns in Resource/NotResource and StringLike/StringNotLike, numbers, dates and
 * addresses in conditions, and long request values that hold every literal run of every pattern.
 */
export function worstCase(policyScale = 1, valueScale = policyScale) {
  // Flat strings, as a request's header values are (a rope would cost a flattening per use).
  const flat = (text) => Buffer.from(text, 'latin1').toString('latin1')
  const key = flat(`${'a'.repeat(Math.floor(MAX_KEY_BYTES * valueScale) - 2)}cb`)
  const agent = flat(`${'a'.repeat(Math.floor(MAX_HEADER_VALUE * valueScale) - 2)}cb`)
  const documents = {}
  for (const [kind, cap] of Object.entries(CAPS)) {
    const chars = Math.floor(cap * policyScale)
    const bucket = kind === 'bucket'
    const principal = bucket ? { Principal: ['*'] } : {}
    // A quarter of the text each: resource globs, "?" conditions, "*" conditions, other operators.
    const perStatement = Math.max(0, Math.min(4_000, Math.floor(chars / 4) - 150))
    const resourceList = patterns(perStatement, (i) => `acs:oss:*:*:bkt/${qPattern(i)}`, MAX_RESOURCE_SEARCHES)
    const likeList = [
      ...patterns(perStatement / 2, qPattern, MAX_CONDITION_SEARCHES),
      ...patterns(perStatement / 2, anchoredPattern),
    ]
    const starList = patterns(perStatement, anchoredPattern)
    const numbers = patterns(perStatement / 3, (i) => `${'9'.repeat(20)}.${i}`)
    const dates = patterns(perStatement / 3, (i) => `2026-11-${String(10 + (i % 18))}T12:00:${String(10 + (i % 50))}Z`)
    const cidrs = patterns(perStatement / 3, (i) => `10.${i % 256}.${(i >> 8) % 256}.0/24`)
    const heads = [
      { Effect: 'Deny', ...principal, Action: ['oss:GetObject'], Resource: resourceList },
      { Effect: 'Deny', ...principal, Action: ['oss:GetObject'], Resource: ['*'], Condition: { StringLike: { 'acs:UserAgent': likeList } } },
      { Effect: 'Deny', ...principal, Action: ['oss:GetObject'], Resource: ['*'], Condition: { StringNotLike: { 'oss:Prefix': [...starList, '*'] } } },
      {
        Effect: 'Deny', ...principal, Action: ['oss:GetObject'], Resource: ['*'],
        Condition: {
          NumericLessThan: { 'acs:UserAgent': numbers },
          DateLessThan: { 'acs:CurrentTime': dates },
          IpAddress: { 'acs:SourceIp': cidrs },
        },
      },
    ]
    const used = JSON.stringify(heads).length
    // The rest: as many small non-matching statements as fit, and one Allow at the end.
    const tail = fill(Math.max(0, chars - used - 200), (i) => ({ Effect: 'Deny', ...principal, Action: [`oss:Get?bject${i % 10}`], NotResource: ['*'] }))
    const allow = { Effect: 'Allow', ...principal, Action: ['oss:GetObject'], Resource: ['acs:oss:*:*:bkt/*'] }
    const statements = [...heads, ...tail.Statement, allow]
    documents[kind] = JSON.stringify({ Version: '1', Statement: statements })
  }
  const request = {
    action: 'oss:GetObject',
    resource: `acs:oss:cn-hangzhou:1234:bkt/${key}`,
    context: {
      'acs:UserAgent': agent,
      'oss:Prefix': agent,
      'acs:SourceIp': '192.168.1.1',
      'acs:CurrentTime': '2026-11-30T12:00:00Z',
    },
  }
  return { documents, request, key, agent }
}

/** Invalid JSON of maximal depth at the cap: every character an opening bracket. */
export function deepInvalid(scale = 1) {
  return '['.repeat(Math.floor(CAPS.bucket * scale))
}

/** The best of five short means, in ms: the machine is shared, and the worst case is a bound. */
function ms(fn) {
  let best = Infinity
  for (let i = 0; i < 5; i++) best = Math.min(best, measure('', fn, 1, { minMs: 60 }).ns / 1e6)
  return best
}

function layersOf(documents) {
  return {
    session: [parsePolicyText(documents.session, { name: 'session' })],
    identity: [parsePolicyText(documents.identity, { name: 'identity' })],
    bucket: [parsePolicyText(documents.bucket, { name: 'bucket', kind: 'bucket' })],
    principal: { type: 'ram', account: '1234', ids: ['u1'] },
  }
}

let sink = 0

function decisionMs(layers, request) {
  return ms(() => {
    sink += authorize(layers, request, { dataOperation: true }).layers.length
  })
}

/**
 * The worst case at each scale (1 = every policy at its cap, values at the request limits):
 * - parse: the JSON scan and JSON.parse of the bucket policy (the largest);
 * - validate: checkPolicyText of the bucket policy (scan, shape, meaning, matchers compiled);
 * - decision: authorize through the session, identity and bucket policies, with trace; once with
 *   the policies at `scale` and the values at their limits, once the other way round;
 * - deepJson: checkPolicyText of invalid JSON that is all opening brackets.
 */
export function runWorstCase(scales = [0.25, 0.5, 1]) {
  const full = worstCase(1, 1)
  const fullLayers = layersOf(full.documents)
  const rows = []
  for (const scale of scales) {
    const { documents } = worstCase(scale, 1)
    const parseMs = ms(() => {
      const json = parseJsonText(documents.bucket, { maxChars: CAPS.bucket, maxDepth: 8 })
      sink += json.ok ? 1 : 0
    })
    const validateMs = ms(() => {
      sink += checkPolicyText(documents.bucket, { name: 'bucket', kind: 'bucket' }).ok ? 1 : 0
    })
    const byPolicy = decisionMs(layersOf(documents), full.request)
    const byValue = decisionMs(fullLayers, worstCase(1, scale).request)
    const deep = deepInvalid(scale)
    const deepMs = ms(() => {
      sink += checkPolicyText(deep, { kind: 'bucket' }).ok ? 1 : 0
    })
    rows.push({
      scale,
      policyChars: Object.fromEntries(Object.entries(documents).map(([k, v]) => [k, v.length])),
      valueChars: Math.floor(MAX_HEADER_VALUE * scale),
      parseMs, validateMs, decisionByPolicyMs: byPolicy, decisionByValueMs: byValue, deepMs,
    })
  }
  const decision = authorize(fullLayers, full.request, { dataOperation: true })
  if (decision.decision !== 'Allow' || sink === 0.5) throw new Error(`the worst case should end in Allow, got ${decision.decision}`)
  return rows
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const fixed = (row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'number' && k.endsWith('Ms') ? Number(v.toFixed(3)) : v]))
  const scales = process.argv.slice(2).map(Number).filter((n) => n > 0)
  for (const row of runWorstCase(scales.length > 0 ? scales : undefined)) console.log(JSON.stringify(fixed(row)))
}
