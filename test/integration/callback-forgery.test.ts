import { mkdtempSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load.js'
import type { Config } from '../../src/config/types.js'
import { createLogger } from '../../src/http/logger.js'
import { startServer, type RunningServer } from '../../src/serve.js'
import { captureStream, DEMO } from '../helpers/app.js'
import { rememberSecrets } from '../helpers/secrets.js'
import { ROOT } from '../helpers/vectors.js'

const require = createRequire(import.meta.url)
interface PutResult { res: { status: number; headers: Record<string, string> }; data?: unknown }
const OSS = require('ali-oss') as new (o: object) => { put(name: string, body: Buffer, options?: object): Promise<PutResult>; head(name: string): Promise<PutResult> }

let server: RunningServer
let token: string

async function api(path: string, json?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method: json === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  })
  return (await res.json()) as Record<string, unknown>
}

beforeAll(async () => {
  const base = await loadConfig({ path: join(ROOT, 'config.json'), env: {} })
  const dir = mkdtempSync(join(tmpdir(), 'ossvend-forgery-'))
  const config = { ...base, mode: 'sandbox', server: { ...base.server, port: 0 }, auth: { ...base.auth, scryptLog2N: 10, usersFile: join(dir, 'users.json') }, sandbox: { ...base.sandbox, dataDir: join(dir, 'sandbox') }, store: { ...base.store, dataDir: join(dir, 'data') } } as Config
  server = await startServer({ config, env: { OSSVEND_JWT_SECRET: 'forgery-test-secret-forgery-test-secret' }, logger: createLogger(captureStream(), 'debug') })
  token = (await api('/v1/login', DEMO.alice)).accessToken as string
  rememberSecrets(token, DEMO.alice.password)
})
afterAll(() => server.close())

async function client() {
  const sts = (await api('/v1/sts?scope=read-write')) as Record<string, string> & { Placement: Record<string, string> }
  rememberSecrets(sts.AccessKeySecret, sts.SecurityToken)
  const { Endpoint, Bucket, Region } = sts.Placement
  return new OSS({ accessKeyId: sts.AccessKeyId, accessKeySecret: sts.AccessKeySecret, stsToken: sts.SecurityToken, endpoint: Endpoint, bucket: Bucket, region: `oss-${Region}`, secure: false })
}

/** A ticket of one's own, as any user gets with every form. */
async function ownTicket(dir: string): Promise<string> {
  const form = (await api('/v1/sign/post', { dir })) as { fields: { name: string; value: string }[] }
  const callback = JSON.parse(Buffer.from(form.fields.find((f) => f.name === 'callback')?.value ?? '', 'base64').toString()) as { callbackBody: string }
  return /ticket=([^&]+)/.exec(callback.callbackBody)?.[1] as string
}

const uploads = async () => ((await api('/v1/uploads')).uploads as { key: string; size: number }[])

describe('a PutObject with a user-written callback body', () => {
  it('records nothing that did not happen: a literal size and ETag are checked against the object', async () => {
    const ticket = await ownTicket('alice/forged/')
    const c = await client()
    const callback = (body: string) => ({ callback: { url: `${server.url}/v1/oss/callback`, body, contentType: 'application/x-www-form-urlencoded' } })
    const forged = await c.put('alice/forged/a.txt', Buffer.from('tiny'), callback(`object=alice/forged/a.txt&size=999999999&etag=FAKE&ticket=${ticket}`)).then(
      (r) => r.res.status,
      (e: { status: number; code: string }) => `${e.status} ${e.code}`,
    )
    // OSS keeps the object and tells the uploader the callback failed (203 CallbackFailed).
    expect(String(forged)).toMatch(/^203/)
    expect((await uploads()).map((u) => u.key)).not.toContain('alice/forged/a.txt')

    // With the object's true size and ETag the claim is a fact: recorded, once.
    const head = await c.head('alice/forged/a.txt')
    const etag = head.res.headers.etag?.replaceAll('"', '') ?? ''
    const honest = await c.put('alice/forged/a.txt', Buffer.from('tiny'), callback(`object=alice/forged/a.txt&size=4&etag=${etag}&ticket=${ticket}`))
    expect(honest.res.status).toBe(200)
    const listed = (await uploads()).filter((u) => u.key === 'alice/forged/a.txt')
    expect(listed).toEqual([expect.objectContaining({ size: 4, etag })])

    // The ticket is spent: the same callback, any number of times more, records nothing.
    for (let i = 0; i < 3; i++) {
      const again = await c.put('alice/forged/a.txt', Buffer.from('tiny'), callback(`object=alice/forged/a.txt&size=4&etag=${etag}&ticket=${ticket}`)).then(
        (r) => r.res.status,
        (e: { status: number }) => e.status,
      )
      expect(again).toBe(203)
    }
    expect((await uploads()).filter((u) => u.key === 'alice/forged/a.txt')).toHaveLength(1)
  })
})
