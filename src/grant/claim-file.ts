import { createHash } from 'node:crypto'
import { appendFile, mkdir, open, readFile, rename } from 'node:fs/promises'
import { dirname } from 'node:path'

/**
 * One-time claims (callback tickets) kept on disk, so a restart does not forget which tickets were
 * used while the tickets themselves are still valid. Claims are appended one line each
 * (`<sha256 of the id> <expiry ms>`) and flushed before a claim is granted; on load, and whenever
 * expired lines outnumber live ones, the file is rewritten to a temporary file and renamed over
 * the old one. Ids are stored hashed: the file holds no ticket.
 */
export interface ClaimFile {
  /** True once per id until it expires; false for a replay. Throws when the claim cannot be kept. */
  claim(id: string, expiresAtMs: number): Promise<boolean>
}

export interface ClaimFileOptions {
  readonly path: string
  readonly now: () => number
  /** Live claims kept at most; beyond that new claims are refused (fail closed) until some expire. */
  readonly maxClaims?: number
}

const LINE = /^([A-Za-z0-9_-]{43}) (\d{1,15})$/

export function createClaimFile(options: ClaimFileOptions): ClaimFile {
  const { path, now } = options
  const maxClaims = options.maxClaims ?? 100_000
  const live = new Map<string, number>()
  let lines = 0
  let queue: Promise<unknown> = load()
  queue.catch(() => undefined)

  async function load(): Promise<void> {
    let text = ''
    try {
      text = await readFile(path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    const t = now()
    // A torn last line (a crash mid-append) matches nothing and is dropped.
    for (const line of text.split('\n')) {
      const m = LINE.exec(line)
      if (m && Number(m[2]) >= t) live.set(m[1] as string, Math.max(live.get(m[1] as string) ?? 0, Number(m[2])))
    }
    await mkdir(dirname(path), { recursive: true })
    await rewrite()
  }

  async function rewrite(): Promise<void> {
    const temp = `${path}.${process.pid}.tmp`
    const file = await open(temp, 'w', 0o600)
    try {
      await file.writeFile([...live].map(([h, exp]) => `${h} ${exp}\n`).join(''))
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(temp, path)
    lines = live.size
  }

  function prune(): void {
    const t = now()
    for (const [h, exp] of live) if (exp < t) live.delete(h)
  }

  async function claimNow(id: string, expiresAtMs: number): Promise<boolean> {
    const hash = createHash('sha256').update(id).digest('base64url')
    prune()
    if (live.has(hash)) return false
    if (live.size >= maxClaims) throw new Error('too many live callback claims')
    const expires = Math.floor(expiresAtMs)
    await appendFile(path, `${hash} ${expires}\n`, { mode: 0o600, flush: true })
    live.set(hash, expires)
    lines++
    if (lines > 2 * live.size + 1000) await rewrite()
    return true
  }

  return {
    claim(id, expiresAtMs) {
      // One at a time: the check and the append must not interleave with another claim.
      const result = queue.then(() => claimNow(id, expiresAtMs))
      queue = result.catch(() => undefined)
      return result
    },
  }
}
