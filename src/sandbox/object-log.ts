import { appendFileSync, renameSync, writeFileSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { parseJsonText } from '../lib/parse-json.js'
import type { ObjectMeta } from './object-store.js'

const LOG_FILE = 'objects.log'
/** A line longer than this is not one ossvend wrote (user metadata is bounded well below it). */
const MAX_LINE_CHARS = 1024 * 1024
/** A data file's name: a plain name in the bucket's folder (no separator can lead out of it). */
const DATA_FILE = /^[\w.-]+\.data$/

type Entry = { readonly set: ObjectMeta } | { readonly delete: string }

/** The metadata of an object as read from disk, if it has the fields the store relies on. */
function validMeta(value: unknown): ObjectMeta | undefined {
  const meta = value as Partial<ObjectMeta> | null
  if (typeof meta !== 'object' || meta === null) return undefined
  if (typeof meta.key !== 'string' || typeof meta.dataFile !== 'string' || !DATA_FILE.test(meta.dataFile)) return undefined
  if (typeof meta.size !== 'number' || typeof meta.etag !== 'string' || typeof meta.crc64 !== 'string') return undefined
  return meta as ObjectMeta
}

/** A log line's entry, if it is one ossvend could have written. */
function validEntry(value: unknown): Entry | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const entry = value as Partial<Record<'set' | 'delete', unknown>>
  const meta = validMeta(entry.set)
  if (meta) return { set: meta }
  return typeof entry.delete === 'string' ? { delete: entry.delete } : undefined
}

function parsed(text: string): unknown {
  const result = parseJsonText(text, { maxChars: MAX_LINE_CHARS })
  return result.ok ? result.value : undefined
}

/**
 * A bucket's objects, kept in memory and on disk as one append-only file of JSON lines: each
 * publish, ACL change or delete appends one line (`{"set": meta}` or `{"delete": key}`) with one
 * write, so an object's metadata costs no file of its own (creating a file per upload, and
 * renaming it into place, was the sandbox's most expensive system call on a file system without
 * a journal). A line cut short by a crash is skipped on loading; the log is rewritten compact
 * when loaded and whenever it holds more than twice as many lines as objects (and over 1,000).
 */
export class ObjectLog {
  readonly objects = new Map<string, ObjectMeta>()
  readonly #path: string
  #lines = 0

  private constructor(dir: string) {
    this.#path = join(dir, LOG_FILE)
  }

  /**
   * The objects of bucket folder `dir` (whose file names are `files`): the metadata files of
   * earlier versions, then the log.
   */
  static async load(dir: string, files: readonly string[]): Promise<ObjectLog> {
    const log = new ObjectLog(dir)
    const legacy = files.filter((f) => f.endsWith('.meta.json'))
    for (const file of legacy) {
      const meta = validMeta(parsed(await readFile(join(dir, file), 'utf8')))
      if (meta) log.#apply({ set: meta })
    }
    if (files.includes(LOG_FILE)) {
      for (const line of (await readFile(log.#path, 'utf8')).split('\n')) {
        const entry = line === '' ? undefined : validEntry(parsed(line))
        if (entry) log.#apply(entry)
      }
    }
    log.#compact()
    for (const file of legacy) await rm(join(dir, file), { force: true })
    return log
  }

  set(meta: ObjectMeta): void {
    this.#record({ set: meta })
  }

  delete(key: string): void {
    this.#record({ delete: key })
  }

  /** One write: the line is in the file or, if the process dies during it, cut short (and skipped). */
  #record(entry: Entry): void {
    appendFileSync(this.#path, `${JSON.stringify(entry)}\n`)
    this.#apply(entry)
    if (++this.#lines > Math.max(1000, 2 * this.objects.size)) this.#compact()
  }

  #apply(entry: Entry): void {
    if ('set' in entry) this.objects.set(entry.set.key, entry.set)
    else this.objects.delete(entry.delete)
  }

  /** Rewrites the log as one line per object, then renames it over the old one. */
  #compact(): void {
    const next = `${this.#path}.next`
    let text = ''
    for (const meta of this.objects.values()) text += `${JSON.stringify({ set: meta } satisfies Entry)}\n`
    writeFileSync(next, text)
    renameSync(next, this.#path)
    this.#lines = this.objects.size
  }
}
