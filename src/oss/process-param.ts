/**
 * The `x-oss-process` parameter of a signed GET: `image/resize,w_200/quality,q_80` is a kind
 * (`image`, `video`, `doc`, `style`) followed by operations separated by `/`, each a name and
 * `key_value` parameters separated by `,`. Some parameters name another object (a watermark's
 * `image_` is the base64url of an object key, optionally with its own `?x-oss-process=`): such a
 * reference is read with the requester's rights by OSS, so it must stay inside the caller's own
 * prefix.
 */
export interface ProcessStep {
  readonly kind: string
  readonly name: string
  readonly params: readonly (readonly [string, string])[]
}

export type ProcessCheck = { readonly ok: true; readonly steps: readonly ProcessStep[] } | { readonly ok: false; readonly reason: string }

/** Image operations allowed when the configuration lists none. */
export const DEFAULT_PROCESS_OPERATIONS = ['resize', 'crop', 'rotate', 'auto-orient', 'format', 'quality', 'interlace', 'info', 'average-hue'] as const

/** Parameters whose value is the base64url of an object key. */
const OBJECT_REFERENCE_PARAMS = new Set(['image'])
const KIND = /^(image|video|doc|style)$/
const NAME = /^[a-z][a-z0-9-]{0,31}$/
/** `key_value` (`w_200`, `image_<base64url>`) or a bare value (`format,webp`, `auto-orient,1`). */
const PARAM = /^(?:([A-Za-z][A-Za-z0-9]{0,15})_([A-Za-z0-9_=-]{0,512})|([A-Za-z0-9.]{1,32}))$/

/**
 * Parses and checks a process string: every operation must be in `allowed` (a bare name is an
 * image operation; other kinds are listed qualified, `video/snapshot`), and every object it
 * references must lie under `prefix`. Pure; `depth` bounds nested references.
 */
export function checkProcess(text: string, allowed: readonly string[], prefix: string, depth = 0): ProcessCheck {
  if (text.length > 1024) return { ok: false, reason: 'too long' }
  const [kind = '', ...rest] = text.split('/')
  if (!KIND.test(kind)) return { ok: false, reason: `unknown kind "${kind.slice(0, 32)}"` }
  if (rest.length === 0 || rest.length > 16) return { ok: false, reason: 'one to 16 operations' }
  const steps: ProcessStep[] = []
  for (const part of rest) {
    const [name = '', ...paramTexts] = part.split(',')
    if (!NAME.test(name)) return { ok: false, reason: `malformed operation "${name.slice(0, 32)}"` }
    const qualified = `${kind}/${name}`
    if (!allowed.includes(qualified) && !(kind === 'image' && allowed.includes(name))) return { ok: false, reason: `operation ${qualified} is not allowed` }
    const params: [string, string][] = []
    for (const p of paramTexts) {
      const m = PARAM.exec(p)
      if (!m) return { ok: false, reason: `malformed parameter in ${qualified}` }
      const [, key = '', value = m[3] ?? ''] = m
      if (OBJECT_REFERENCE_PARAMS.has(key.toLowerCase())) {
        const problem = checkReference(value, allowed, prefix, depth)
        if (problem) return { ok: false, reason: `${qualified}: ${problem}` }
      }
      params.push([key, value])
    }
    steps.push({ kind, name, params })
  }
  return { ok: true, steps }
}

function checkReference(encoded: string, allowed: readonly string[], prefix: string, depth: number): string | undefined {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(encoded)) return 'an object reference must be base64url'
  const decoded = Buffer.from(encoded, 'base64url').toString('utf8')
  if (Buffer.from(decoded, 'utf8').toString('base64url') !== encoded.replace(/=+$/, '')) return 'an object reference must be base64url'
  const [key = '', query] = splitOnce(decoded, '?')
  if (key === '' || key.startsWith('/') || key.includes('\\') || [...key].some((c) => c < ' ' || c === '\u007f')) return 'malformed object reference'
  if (key.split('/').some((segment) => segment === '..' || segment === '.' || segment === '')) return 'malformed object reference'
  if (!key.startsWith(prefix)) return 'refers to an object outside your prefix'
  if (query === undefined) return undefined
  if (depth > 0 || !query.startsWith('x-oss-process=')) return 'an object reference may carry only one nested x-oss-process'
  const nested = checkProcess(query.slice('x-oss-process='.length), allowed, prefix, depth + 1)
  return nested.ok ? undefined : nested.reason
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator)
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)]
}
