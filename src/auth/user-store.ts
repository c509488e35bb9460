import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { hashPassword, isPasswordHash } from './password.js'
import { parseJsonOrThrow } from '../lib/parse-json.js'

/** A built-in user. Usernames are the user ids that go into policies, so they are strict. */
export interface UserRecord {
  readonly username: string
  readonly passwordHash: string
  readonly scopes: readonly string[]
}

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/

export interface UserStore {
  find(username: string): UserRecord | undefined
  readonly size: number
}

/** Reads the users file (`{ "users": [...] }`); a missing file is an empty store. */
export async function readUsersFile(path: string): Promise<UserRecord[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  const data = parseJsonOrThrow(text) as { users?: unknown }
  if (!Array.isArray(data.users)) throw new Error(`${path}: expected { "users": [...] }`)
  return data.users.map((u: unknown, i: number) => {
    const r = u as Partial<UserRecord>
    if (typeof r.username !== 'string' || !USERNAME_PATTERN.test(r.username) || typeof r.passwordHash !== 'string' || !isPasswordHash(r.passwordHash) || !Array.isArray(r.scopes)) {
      throw new Error(`${path}: user ${i} is malformed (username [a-z0-9_-], a scrypt passwordHash, scopes)`)
    }
    return { username: r.username, passwordHash: r.passwordHash, scopes: r.scopes.map(String) }
  })
}

/** Adds or replaces a user, writing the file atomically (temporary file, then rename), mode 0600. */
export async function upsertUser(path: string, username: string, password: string, scopes: readonly string[], log2N?: number): Promise<void> {
  if (!USERNAME_PATTERN.test(username)) throw new Error('username must be 1-63 characters of a-z, 0-9, "_" and "-", starting with a letter or digit')
  if (password.length < 8) throw new Error('password must have at least 8 characters')
  const users = (await readUsersFile(path)).filter((u) => u.username !== username)
  users.push({ username, passwordHash: await hashPassword(password, log2N), scopes })
  await writeUsersFile(path, users)
}

/** Removes a user; false when there was none of that name (the file is then left as it was). */
export async function removeUser(path: string, username: string): Promise<boolean> {
  const users = await readUsersFile(path)
  const kept = users.filter((u) => u.username !== username)
  if (kept.length === users.length) return false
  await writeUsersFile(path, kept)
  return true
}

/** Replaces a user's scopes; false when there is no user of that name. */
export async function setUserScopes(path: string, username: string, scopes: readonly string[]): Promise<boolean> {
  const users = await readUsersFile(path)
  const user = users.find((u) => u.username === username)
  if (!user) return false
  await writeUsersFile(path, users.map((u) => (u === user ? { ...u, scopes: [...scopes] } : u)))
  return true
}

async function writeUsersFile(path: string, users: readonly UserRecord[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, `${JSON.stringify({ users }, null, 2)}\n`, { mode: 0o600 })
  await rename(tmp, path)
}

export function createUserStore(users: readonly UserRecord[]): UserStore {
  const byName = new Map(users.map((u) => [u.username, u]))
  return {
    find: (username) => byName.get(username),
    get size() {
      return byName.size
    },
  }
}
