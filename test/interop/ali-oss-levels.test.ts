import { createRequire } from 'node:module'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, DEMO, type TestApp } from '../helpers/app.js'
import { rememberSecrets } from '../helpers/secrets.js'

const require = createRequire(import.meta.url)
interface Res { status: number }
interface AliOss {
  put(key: string, body: Buffer): Promise<{ res: Res }>
  get(key: string): Promise<{ content: Buffer; res: Res }>
  delete(key: string): Promise<{ res: Res }>
  list(query: { prefix?: string; delimiter?: string; 'max-keys'?: number } | null, options?: object): Promise<{ objects?: { name: string }[]; prefixes?: string[] | null; res: Res }>
  multipartUpload(key: string, body: Buffer, options?: object): Promise<{ res: Res }>
}
const OSS = require('ali-oss') as new (options: object) => AliOss

type Verb = 'read' | 'list' | 'write' | 'delete'
type Actor = 'alice' | 'bob' | 'carol' | 'guest'

interface Session {
  readonly token: string
  readonly oss: AliOss
  readonly areas: { id: string; prefix: string; verbs: Verb[]; bucket: string; endpoint: string }[]
}

let t: TestApp
const sessions = new Map<Actor, Session>()
const CAROL = { username: 'carol', password: 'carol-sandbox-password' }

/**
 * The Amplify levels, written out by hand as the oracle (not derived from the rules file):
 * public/ everyone signed in may do anything, guests read and list; protected/OWNER/ every
 * signed-in user reads and lists, only the owner writes and deletes; private/OWNER/ only the owner.
 */
function expected(actor: Actor, verb: Verb, key: string): boolean {
  const [level, owner] = key.split('/')
  if (actor === 'guest') return level === 'public' && (verb === 'read' || verb === 'list')
  if (level === 'public') return true
  if (level === 'protected') return owner === actor || ((verb === 'read' || verb === 'list') && owner !== '')
  if (level === 'private') return owner === actor
  return false
}

/** Listing: by prefix alone; `protected/` shows everyone's shared folders, `private/` nobody's. */
function listAllowed(actor: Actor, prefix: string): boolean {
  const [level, owner = ''] = prefix.split('/')
  if (prefix === '') return false
  if (actor === 'guest') return level === 'public'
  if (level === 'public' || level === 'protected') return true
  return level === 'private' && owner === actor
}

const ACTORS: Actor[] = ['alice', 'bob', 'carol', 'guest']
const KEYS = ['public/a.txt', 'protected/alice/a.txt', 'protected/bob/a.txt', 'private/alice/a.txt', 'private/bob/a.txt', 'private/carol/a.txt', 'other/a.txt']
const LISTINGS = ['public/', 'protected/', 'protected/alice/', 'private/', 'private/alice/', 'private/bob/', 'private/carol/', '']

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const outcome = (p: Promise<unknown>) => p.then(() => 'ok', (e: { status?: number; code?: string }) => `${e.status} ${e.code}`)

beforeAll(async () => {
  t = await buildTestApp({
    auth: {
      demoUsers: [
        { ...DEMO.alice, scopes: ['levels'] },
        { ...DEMO.bob, scopes: ['levels'] },
        { ...CAROL, scopes: ['levels'] },
      ],
      guest: { enabled: true, scope: 'levels', ttlSec: 900, perIpPerMinute: 100, perMinute: 1000 },
    },
  })
  for (const actor of ACTORS) {
    const token = actor === 'guest'
      ? (await request(t.app).post('/v1/guest').expect(200)).body.accessToken as string
      : (await request(t.app).post('/v1/login').send(actor === 'carol' ? CAROL : DEMO[actor]).expect(200)).body.accessToken as string
    const sts = (await request(t.app).get('/v1/sts?scope=levels').set(bearer(token)).expect(200)).body
    rememberSecrets(token, sts.AccessKeySecret, sts.SecurityToken)
    const areas = (await request(t.app).get('/v1/areas?scope=levels').set(bearer(token)).expect(200)).body
    expect(areas.scope).toBe('levels')
    // As ali-oss's README shows: the STS credentials, the bucket and the endpoint; nothing else.
    const oss = new OSS({ accessKeyId: sts.AccessKeyId, accessKeySecret: sts.AccessKeySecret, stsToken: sts.SecurityToken, bucket: sts.Placement.Bucket, endpoint: sts.Placement.Endpoint, region: `oss-${sts.Placement.Region}` })
    sessions.set(actor, { token, oss, areas: areas.areas })
  }
  // Every object the table reads, written by its owner (or by the sandbox's root where nobody may).
  for (const key of KEYS) {
    const owner = key.startsWith('public/') ? 'alice' : (key.split('/')[1] as Actor)
    const writer = sessions.get(owner)
    if (writer) await writer.oss.put(key, Buffer.from(`body of ${key}`))
  }
})
afterAll(() => t.close())

describe('the Amplify-levels scope, end to end (issue 16)', () => {
  it('answers /v1/areas per caller: three areas beside public for a user, public only for a guest', () => {
    const alice = sessions.get('alice')?.areas ?? []
    expect(alice.map((a) => [a.id, a.prefix, a.verbs.join(',')])).toEqual([
      ['public', 'public/', 'read,list,write,delete'],
      ['protected', 'protected/', 'read,list'],
      ['protected-mine', 'protected/alice/', 'read,list,write,delete'],
      ['private', 'private/alice/', 'read,list,write,delete'],
    ])
    expect(alice.every((a) => a.bucket === t.config.oss.bucket && a.endpoint === t.deps.ossEndpoint)).toBe(true)
    expect(sessions.get('guest')?.areas.map((a) => [a.id, a.prefix, a.verbs.join(',')])).toEqual([['public', 'public/', 'read,list']])
  })

  it('one table through ali-oss on STS credentials, the sandbox, /v1/sign/url (and its URL), /v1/sign/post, /v1/simulate and /v1/areas', async () => {
    const mismatches: string[] = []
    const note = (what: string, actor: Actor, verb: Verb, target: string, want: boolean, got: boolean) => {
      if (want !== got) mismatches.push(`${what}: ${actor} ${verb} ${target}: expected ${want ? 'allowed' : 'denied'}`)
    }
    for (const actor of ACTORS) {
      const s = sessions.get(actor) as Session
      for (const key of KEYS) {
        for (const verb of ['read', 'write', 'delete'] as const) {
          const want = expected(actor, verb, key)
          // The sandbox OSS, through ali-oss with the caller's STS credentials. Deletes go last, below.
          if (verb === 'read') note('ali-oss', actor, verb, key, want, (await outcome(s.oss.get(key))) === 'ok')
          if (verb === 'write') {
            const put = await outcome(s.oss.put(`${key}.new`, Buffer.from('x')))
            note('ali-oss', actor, verb, key, want, put === 'ok')
            if (!want) expect(put).toBe('403 AccessDenied')
          }
          // ossvend's own decision, and the signed URL against the sandbox.
          const method = { read: 'GET', write: 'PUT', delete: 'DELETE' }[verb]
          const signed = await request(t.app).post('/v1/sign/url').set(bearer(s.token)).send({ key: verb === 'write' ? `${key}.url` : key, method, scope: 'levels' })
          note('/v1/sign/url', actor, verb, key, want, signed.status === 200)
          if (!want) expect(signed.body.code).toBe('ERR_ACCESS_DENIED')
          if (signed.status === 200 && verb !== 'delete') {
            const used = await fetch(signed.body.url as string, { method, headers: signed.body.headers as Record<string, string>, ...(method === 'PUT' ? { body: 'by url' } : {}) })
            note('signed URL at the sandbox', actor, verb, key, want, used.status === 200)
          }
          if (verb === 'write') {
            const form = await request(t.app).post('/v1/sign/post').set(bearer(s.token)).send({ key: `${key}.form`, scope: 'levels' })
            note('/v1/sign/post', actor, verb, key, want, form.status === 200)
          }
          const operation = { read: 'GetObject', write: 'PutObject', delete: 'DeleteObject' }[verb]
          const simulated = await request(t.app).post('/v1/simulate').set(bearer(s.token)).send({ operation, key, scope: 'levels' }).expect(200)
          note('/v1/simulate', actor, verb, key, want, simulated.body.decision === 'Allow')
          // The most specific area holding the key says the same.
          const area = s.areas.filter((a) => key.startsWith(a.prefix)).sort((a, b) => b.prefix.length - a.prefix.length)[0]
          note('/v1/areas', actor, verb, key, want, area?.verbs.includes(verb) ?? false)
        }
      }
      for (const prefix of LISTINGS) {
        const want = listAllowed(actor, prefix)
        for (const delimiter of [undefined, '/']) {
          const listed = await outcome(s.oss.list({ prefix, ...(delimiter ? { delimiter } : {}), 'max-keys': 100 }))
          note('ali-oss list', actor, 'list', `${prefix} (${delimiter ?? 'no delimiter'})`, want, listed === 'ok')
        }
        const simulated = await request(t.app).post('/v1/simulate').set(bearer(s.token)).send({ operation: 'ListObjects', prefix, scope: 'levels' }).expect(200)
        note('/v1/simulate', actor, 'list', prefix, want, simulated.body.decision === 'Allow')
      }
    }
    // Deletes last, so the reads above saw every object.
    for (const actor of ACTORS) {
      const s = sessions.get(actor) as Session
      for (const key of KEYS) {
        const want = expected(actor, 'delete', key)
        const deleted = await outcome(s.oss.delete(`${key}.new`))
        // A denied caller never wrote KEY.new, so a delete that was allowed removes a missing key (204 on OSS too).
        note('ali-oss', actor, 'delete', `${key}.new`, want, deleted === 'ok')
      }
    }
    expect(mismatches).toEqual([])
  })

  it('a signed-in user finds others\' shared files by listing protected/, but private/ only under their own id', async () => {
    const bob = sessions.get('bob') as Session
    const shared = await bob.oss.list({ prefix: 'protected/', delimiter: '/' })
    expect(shared.prefixes).toEqual(expect.arrayContaining(['protected/alice/', 'protected/bob/']))
    expect(await outcome(bob.oss.list({ prefix: 'private/', delimiter: '/' }))).toBe('403 AccessDenied')
    expect((await bob.oss.list({ prefix: 'private/bob/' })).objects?.map((o) => o.name)).toContain('private/bob/a.txt')
  })

  it('multipart uploads work in the owner\'s areas and are denied elsewhere', async () => {
    const bob = sessions.get('bob') as Session
    const body = Buffer.alloc(250 * 1024, 7)
    await bob.oss.multipartUpload('private/bob/big.bin', body, { partSize: 100 * 1024 })
    expect((await bob.oss.get('private/bob/big.bin')).content.length).toBe(body.length)
    expect(await outcome(bob.oss.multipartUpload('protected/alice/big.bin', body, { partSize: 100 * 1024 }))).toBe('403 AccessDenied')
  })

  it('a guest write: 403 ERR_ACCESS_DENIED from ossvend, AccessDenied from the sandbox OSS, nothing stored', async () => {
    const guest = sessions.get('guest') as Session
    const url = await request(t.app).post('/v1/sign/url').set(bearer(guest.token)).send({ key: 'public/guest.txt', method: 'PUT', scope: 'levels' })
    expect(url.status).toBe(403)
    expect(url.body.code).toBe('ERR_ACCESS_DENIED')
    const form = await request(t.app).post('/v1/sign/post').set(bearer(guest.token)).send({ dir: 'public/', scope: 'levels' })
    expect(form.status).toBe(403)
    expect(await outcome(guest.oss.put('public/guest.txt', Buffer.from('no')))).toBe('403 AccessDenied')
    expect(await outcome(guest.oss.get('public/guest.txt'))).toBe('404 NoSuchKey')
    expect((await guest.oss.get('public/a.txt')).content.toString()).toBe('body of public/a.txt')
  })
})
