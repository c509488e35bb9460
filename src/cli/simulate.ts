import type { PolicyLayers } from '../policy/authorize.js'
import { authorize } from '../policy/authorize.js'
import { formatDecision, formatOperationDecision } from '../policy/explain.js'
import { authorizeOperation } from '../policy/operations.js'
import { splitResourceName } from '../policy/resource.js'
import { parseCommandArgs, parseContextPairs, requireOption } from './args.js'
import { EXIT, UsageError, type CliIo } from './io.js'
import { loadPolicies } from './load-policies.js'
import { formatScopeReport, renderScopeForCli } from './scope-policy.js'
import { MAX_SESSION_POLICY_CHARS } from '../policy/render.js'
import type { ScopePolicy } from '../grant/scopes.js'

export const SIMULATE_USAGE = `ossvend simulate --policy FILE [--policy FILE...] [--role-policy FILE...]
                 [--bucket-policy FILE...] (--action ACTION --resource ARN | --operation OP --bucket B
                 [--key K] [--prefix P] [--source-key K] [--keys K1,K2]) [--account ID]
                 [--context KEY=VALUE...] [--acl ACL] [--json]
       ossvend simulate --scope NAME --user ID [--claim NAME=VALUE...] [--config FILE] (the same request
                 options; the session policy is the scope's, as /v1/sts would vend it)`

/**
 * Decides one request. `--policy` files are the STS session policy; `--role-policy` files the
 * role's own policies, so the decision is their intersection. Without `--role-policy`, the
 * `--policy` files alone decide. `--scope NAME --user ID` takes the session policy from a scope
 * of the config instead (a template rendered or path rules compiled for the user, as /v1/sts
 * would vend it) and also prints its size against STS's limit and the probe's table.
 */
export async function simulateCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    policy: { type: 'string', multiple: true },
    'role-policy': { type: 'string', multiple: true },
    'bucket-policy': { type: 'string', multiple: true },
    action: { type: 'string' },
    resource: { type: 'string' },
    operation: { type: 'string' },
    bucket: { type: 'string' },
    key: { type: 'string' },
    keys: { type: 'string' },
    prefix: { type: 'string' },
    delimiter: { type: 'string' },
    'source-bucket': { type: 'string' },
    'source-key': { type: 'string' },
    'version-id': { type: 'string' },
    account: { type: 'string' },
    acl: { type: 'string' },
    context: { type: 'string', multiple: true },
    scope: { type: 'string' },
    user: { type: 'string' },
    claim: { type: 'string', multiple: true },
    config: { type: 'string', default: 'config.json' },
    json: { type: 'boolean', default: false },
  })
  if (values.scope !== undefined && values.policy) throw new UsageError('use either --policy or --scope, not both')
  if (!values.policy && !values.scope && !values['role-policy'] && !values['bucket-policy']) {
    throw new UsageError('give at least one --policy (or --scope, --role-policy, --bucket-policy)')
  }
  let scoped: { name: string; user: string; rendered: ScopePolicy; bucket: string; account: string } | undefined
  if (values.scope !== undefined) {
    const user = requireOption(values.user, 'user')
    const { config, rendered } = await renderScopeForCli(io, { config: values.config, scope: values.scope, user, ...(values.claim ? { claims: values.claim } : {}) })
    scoped = { name: values.scope, user, rendered, bucket: config.oss.bucket, account: config.oss.account }
  }
  const session = scoped ? [scoped.rendered.policy] : await loadPolicies(io, values.policy)
  const role = await loadPolicies(io, values['role-policy'])
  const bucketPolicy = await loadPolicies(io, values['bucket-policy'], 'bucket')
  const acl = values.acl
  if (acl !== undefined && !['private', 'public-read', 'public-read-write'].includes(acl)) {
    throw new UsageError('--acl is private, public-read or public-read-write')
  }
  const layers: PolicyLayers = {
    ...(role ? { session, identity: role } : { identity: session }),
    ...(bucketPolicy ? { bucket: bucketPolicy } : {}),
    ...(acl ? { acl: { bucket: acl as 'private' } } : {}),
  }
  const context = parseContextPairs(values.context)

  if (values.operation !== undefined) {
    if (values.action !== undefined || values.resource !== undefined) {
      throw new UsageError('use either --operation or --action/--resource, not both')
    }
    const result = authorizeOperation(layers, values.operation, {
      bucket: values.bucket ?? scoped?.bucket ?? requireOption(values.bucket, 'bucket'),
      ...(values.key !== undefined ? { key: values.key } : {}),
      ...(values.keys !== undefined ? { keys: values.keys.split(',') } : {}),
      ...(values.prefix !== undefined ? { prefix: values.prefix } : {}),
      ...(values.delimiter !== undefined ? { delimiter: values.delimiter } : {}),
      ...(values['source-bucket'] !== undefined ? { sourceBucket: values['source-bucket'] } : {}),
      ...(values['source-key'] !== undefined ? { sourceKey: values['source-key'] } : {}),
      ...(values['version-id'] !== undefined ? { versionId: values['version-id'] } : {}),
      account: values.account ?? scoped?.account ?? '*',
      context,
    })
    if (values.json) {
      const scope = scoped ? { scope: { name: scoped.name, user: scoped.user, size: scoped.rendered.size, limit: MAX_SESSION_POLICY_CHARS, hash: scoped.rendered.hash, policy: scoped.rendered.policy.document, probe: scoped.rendered.probe } } : {}
      io.stdout(`${JSON.stringify({ ...result, ...scope })}\n`)
    } else {
      if (scoped) io.stdout(formatScopeReport(scoped.name, scoped.user, scoped.rendered))
      io.stdout(`${formatOperationDecision(result)}\n`)
    }
    return EXIT.ok
  }

  const action = requireOption(values.action, 'action')
  const resource = requireOption(values.resource, 'resource')
  const relative = splitResourceName(resource)?.relative ?? ''
  const decision = authorize(layers, { action, resource, context }, { dataOperation: relative.includes('/') })
  io.stdout(values.json ? `${JSON.stringify(decision)}\n` : `${formatDecision(decision)}\n`)
  return EXIT.ok
}
