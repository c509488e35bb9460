import { createClaimFile } from './claim-file.js'

/** An upload OSS reported through a verified callback, as confirmed against the object. */
export interface UploadRecord {
  readonly key: string
  readonly size: number
  readonly etag: string
  readonly crc64: string
  readonly mimeType: string
  readonly at: string
}

/** Byte bounds of each recorded field (an object key is at most 1,023 bytes in OSS). */
export const UPLOAD_FIELD_MAX_BYTES = { key: 1023, etag: 128, crc64: 20, mimeType: 255, at: 32 } as const

/** The most one record can take serialised (its fields at their bounds, plus JSON framing). */
export const UPLOAD_RECORD_MAX_BYTES = 2048

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

export interface MemoryUploadLogOptions {
  readonly maxPerUser?: number
  /** Bytes of records kept per user (their JSON size). */
  readonly maxBytesPerUser?: number
  /** Bytes of records kept for all users together; the users least recently written lose theirs first. */
  readonly maxTotalBytes?: number
  /** Where used tickets are kept across restarts; without it they live in this process only. */
  readonly claimsFile?: string
}

/** A record cut to the field bounds, so no field can grow the log beyond them. */
export function boundedRecord(upload: UploadRecord): UploadRecord {
  const cut = (text: string, max: number) => {
    const bytes = Buffer.from(text, 'utf8')
    return bytes.length <= max ? text : bytes.subarray(0, max).toString('utf8').replace(/\uFFFD+$/, '')
  }
  return {
    key: cut(upload.key, UPLOAD_FIELD_MAX_BYTES.key),
    size: Number.isSafeInteger(upload.size) && upload.size >= 0 ? upload.size : -1,
    etag: cut(upload.etag, UPLOAD_FIELD_MAX_BYTES.etag),
    crc64: cut(upload.crc64, UPLOAD_FIELD_MAX_BYTES.crc64),
    mimeType: cut(upload.mimeType, UPLOAD_FIELD_MAX_BYTES.mimeType),
    at: cut(upload.at, UPLOAD_FIELD_MAX_BYTES.at),
  }
}

export function createMemoryUploadLog(now: () => number, options: MemoryUploadLogOptions = {}): UploadLog {
  const maxPerUser = options.maxPerUser ?? 1000
  const maxBytesPerUser = options.maxBytesPerUser ?? 256 * 1024
  const maxTotalBytes = options.maxTotalBytes ?? 64 * 1024 * 1024
  const tickets = new Map<string, number>()
  const claims = options.claimsFile ? createClaimFile({ path: options.claimsFile, now }) : undefined
  /** Per user: records oldest first with their sizes; Map order is least recently written first. */
  const uploads = new Map<string, { records: { record: UploadRecord; bytes: number }[]; bytes: number }>()
  let totalBytes = 0

  return {
    async claimTicket(id, expiresAtMs) {
      if (claims) return claims.claim(id, expiresAtMs)
      const t = now()
      for (const [k, exp] of tickets) if (exp < t) tickets.delete(k)
      if (tickets.has(id)) return false
      tickets.set(id, expiresAtMs)
      return true
    },
    async record(user, upload) {
      const record = boundedRecord(upload)
      const bytes = Buffer.byteLength(JSON.stringify(record)) + Buffer.byteLength(user)
      const entry = uploads.get(user) ?? { records: [], bytes: 0 }
      uploads.delete(user)
      uploads.set(user, entry)
      entry.records.push({ record, bytes })
      entry.bytes += bytes
      totalBytes += bytes
      while (entry.records.length > maxPerUser || entry.bytes > maxBytesPerUser) {
        const dropped = entry.records.shift() as { bytes: number }
        entry.bytes -= dropped.bytes
        totalBytes -= dropped.bytes
      }
      for (const [name, other] of uploads) {
        if (totalBytes <= maxTotalBytes || name === user) break
        uploads.delete(name)
        totalBytes -= other.bytes
      }
    },
    async list(user) {
      return (uploads.get(user)?.records ?? []).map((r) => r.record).reverse()
    },
  }
}
