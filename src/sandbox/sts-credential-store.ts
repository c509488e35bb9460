import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { parseJsonOrThrow } from '../lib/parse-json.js'

/** Temporary credentials the sandbox STS issued, bound to their session policy and expiry. */
export interface IssuedCredential {
  readonly accessKeyId: string
  readonly accessKeySecret: string
  readonly securityToken: string
  /** Epoch milliseconds. */
  readonly expiresAt: number
  readonly account: string
  readonly roleArn: string
  readonly sessionName: string
  /** The session policy text, exactly as AssumeRole received it; absent for no policy. */
  readonly policy?: string
}

/**
 * The sandbox STS's record of what it issued, so the sandbox OSS can authenticate STS requests
 * and apply their session policies. Kept in a JSON file (written to a temporary file and
 * renamed) so that credentials survive a restart of the sandbox.
 */
export class StsCredentialStore {
  readonly #byAccessKeyId = new Map<string, IssuedCredential>()
  readonly #file: string | undefined

  constructor(file?: string) {
    this.#file = file
    if (file) {
      try {
        const saved = parseJsonOrThrow(readFileSync(file, 'utf8')) as IssuedCredential[]
        for (const c of saved) this.#byAccessKeyId.set(c.accessKeyId, c)
      } catch {
        // No file yet, or an unreadable one: start empty.
      }
    }
  }

  add(credential: IssuedCredential, now: number): void {
    this.#byAccessKeyId.set(credential.accessKeyId, credential)
    this.#prune(now)
    this.#save()
  }

  get(accessKeyId: string): IssuedCredential | undefined {
    return this.#byAccessKeyId.get(accessKeyId)
  }

  get size(): number {
    return this.#byAccessKeyId.size
  }

  #prune(now: number): void {
    for (const [id, c] of this.#byAccessKeyId) if (c.expiresAt < now - 3600_000) this.#byAccessKeyId.delete(id)
  }

  #save(): void {
    if (!this.#file) return
    mkdirSync(dirname(this.#file), { recursive: true })
    const tmp = `${this.#file}.${process.pid}.tmp`
    writeFileSync(tmp, JSON.stringify([...this.#byAccessKeyId.values()]), { mode: 0o600 })
    renameSync(tmp, this.#file)
  }
}
