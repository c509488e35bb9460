import { readFile } from 'node:fs/promises'
import { PolicyInvalidError } from '../errors.js'
import { parseJsonText } from '../lib/parse-json.js'
import { checkPolicyText, type PolicyCheck } from './parse.js'
import type { RefererConfig } from './referer.js'
import { parseTemplateText, type PolicyTemplate } from './template.js'
import type { Policy, PolicyKind } from './types.js'

// The only file in policy/ that touches the file system.

/** `name` labels the policy in traces and errors; it defaults to the path. */
export async function checkPolicyFile(path: string, kind: PolicyKind = 'identity', name = path): Promise<PolicyCheck> {
  return checkPolicyText(await readFile(path, 'utf8'), { name, kind })
}

/** @throws {PolicyInvalidError} ERR_POLICY_INVALID */
export async function loadPolicyFile(path: string, kind: PolicyKind = 'identity', name = path): Promise<Policy> {
  const result = await checkPolicyFile(path, kind, name)
  if (!result.ok) throw new PolicyInvalidError(name, result.issues)
  return result.policy
}

/** @throws {TemplateInvalidError} ERR_TEMPLATE_INVALID */
export async function loadTemplateFile(path: string): Promise<PolicyTemplate> {
  return parseTemplateText(await readFile(path, 'utf8'), path)
}

/** Reads `{ "whitelist": [...], "allowEmpty": bool }`. */
export async function loadRefererFile(path: string): Promise<RefererConfig> {
  const json = parseJsonText(await readFile(path, 'utf8'))
  if (!json.ok) throw new PolicyInvalidError(path, [json.issue])
  const value = json.value as Partial<RefererConfig> | null
  const whitelist = value?.whitelist
  if (!Array.isArray(whitelist) || !whitelist.every((e) => typeof e === 'string') || typeof value?.allowEmpty !== 'boolean') {
    throw new PolicyInvalidError(path, [
      { pointer: '', code: 'referer.shape', message: 'expected { "whitelist": [strings], "allowEmpty": true|false }' },
    ])
  }
  return { whitelist, allowEmpty: value.allowEmpty }
}
