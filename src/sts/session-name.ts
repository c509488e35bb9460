import { createHash } from 'node:crypto'

const MAX = 64

/**
 * A RoleSessionName for a user: 2 to 64 characters of `[A-Za-z0-9.@_-]`, the same every time for
 * the same user (so ActionTrail attributes actions to them), and never the same for two users.
 * Short ids become `u-<id>`; longer ones `h-<head>.<hash>`, head and hash of fixed lengths. The
 * prefixes keep the two forms apart, and the hash keeps long ids apart.
 */
export function deriveRoleSessionName(userId: string): string {
  if (!/^[a-z0-9][a-z0-9_.-]*$/.test(userId)) throw new TypeError('user id must be [a-z0-9_.-], checked before naming a session')
  const direct = `u-${userId}`
  if (direct.length <= MAX) return direct
  const hash = createHash('sha256').update(userId).digest('base64url').replace(/[^A-Za-z0-9]/g, '').slice(0, 24)
  return `h-${userId.slice(0, MAX - 3 - hash.length)}.${hash}`
}
