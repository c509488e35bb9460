/** An upload OSS reported through a verified callback. */
export interface UploadRecord {
  readonly key: string
  readonly size: number
  readonly etag: string
  readonly crc64: string
  readonly mimeType: string
  readonly at: string
}

/**
 * What was uploaded, per user, and which callback tickets were used. In memory for one process;
 * the same interface is backed by Redis when several instances run.
 */
export interface UploadLog {
  /** Claims a ticket id once; false when it was claimed before (a replay). */
  claimTicket(id: string, expiresAtMs: number): Promise<boolean>
  record(user: string, upload: UploadRecord): Promise<void>
  list(user: string): Promise<readonly UploadRecord[]>
}

export function createMemoryUploadLog(now: () => number, maxPerUser = 1000): UploadLog {
  const tickets = new Map<string, number>()
  const uploads = new Map<string, UploadRecord[]>()
  return {
    async claimTicket(id, expiresAtMs) {
      const t = now()
      for (const [k, exp] of tickets) if (exp < t) tickets.delete(k)
      if (tickets.has(id)) return false
      tickets.set(id, expiresAtMs)
      return true
    },
    async record(user, upload) {
      const list = uploads.get(user) ?? []
      list.push(upload)
      if (list.length > maxPerUser) list.shift()
      uploads.set(user, list)
    },
    async list(user) {
      return [...(uploads.get(user) ?? [])].reverse()
    },
  }
}
