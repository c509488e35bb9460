import { ScopeUnknownError } from '../errors.js'
import type { Config } from '../config/types.js'
import { loadTemplateFile } from '../policy/load.js'
import { renderSessionPolicy, type RenderedPolicy } from '../policy/render.js'
import type { PolicyTemplate } from '../policy/template.js'

export interface Scopes {
  readonly names: readonly string[]
  readonly defaultScope: string
  /**
   * The session policy for a user in a scope, rendered and probed; memoised, since the same user
   * asks again and again. @throws ScopeUnknownError, TemplateValueError, PolicyProbeFailedError
   */
  render(scope: string, userId: string): RenderedPolicy
}

/**
 * Loads every scope's template at start-up and proves each one safe by rendering and probing it
 * for a sample user, so a leaky template stops start-up instead of failing per request.
 */
export async function loadScopes(config: Config, maxMemo = 50_000): Promise<Scopes> {
  const templates = new Map<string, PolicyTemplate>()
  for (const [name, path] of Object.entries(config.policies.scopes)) {
    const template = await loadTemplateFile(path)
    renderSessionPolicy(template, { user: 'probe-sample', bucket: config.oss.bucket, account: config.oss.account })
    templates.set(name, template)
  }
  return createScopes(templates, config, maxMemo)
}

export function createScopes(templates: ReadonlyMap<string, PolicyTemplate>, config: Pick<Config, 'oss' | 'policies'>, maxMemo = 50_000): Scopes {
  const memo = new Map<string, RenderedPolicy>()
  return {
    names: [...templates.keys()],
    defaultScope: config.policies.defaultScope,
    render(scope, userId) {
      const template = templates.get(scope)
      if (!template) throw new ScopeUnknownError(`unknown scope; known scopes: ${[...templates.keys()].join(', ')}`)
      const key = `${scope}\u0000${userId}`
      const cached = memo.get(key)
      if (cached) return cached
      const rendered = renderSessionPolicy(template, { user: userId, bucket: config.oss.bucket, account: config.oss.account })
      if (memo.size >= maxMemo) memo.delete(memo.keys().next().value as string)
      memo.set(key, rendered)
      return rendered
    },
  }
}
