import { Readable } from 'node:stream'
import * as $OpenApi from '@alicloud/openapi-client'
import OssSdk, * as $Oss from '@alicloud/oss20190517'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, DEMO, type TestApp } from '../helpers/app.js'
import { vend, type Vended } from './vend.js'

// CommonJS with `exports.default`: imported from ESM, the class sits one level down.
const OssClient = ((OssSdk as unknown as { default?: unknown }).default ?? OssSdk) as typeof OssSdk.default
type OssClient = InstanceType<typeof OssClient>

let t: TestApp
let alice: Vended

beforeAll(async () => {
  t = await buildTestApp()
  alice = await vend(t, DEMO.alice)
})
afterAll(() => t.close())

/** As the Alibaba Cloud SDK's usage guide shows: an openapi-client Config with the STS credentials and the endpoint. */
function clientFor(v: Vended): OssClient {
  const endpoint = new URL(v.endpoint)
  return new OssClient(new $OpenApi.Config({
    accessKeyId: v.accessKeyId,
    accessKeySecret: v.accessKeySecret,
    securityToken: v.securityToken,
    endpoint: endpoint.host,
    protocol: endpoint.protocol.replace(':', ''),
    regionId: v.region,
  }))
}

const text = async (body: Readable) => {
  let out = ''
  for await (const chunk of body) out += (chunk as Buffer).toString()
  return out
}

describe('@alicloud/oss20190517 against the sandbox OSS', () => {
  it('puts, heads, gets and deletes an object in the user\'s prefix', async () => {
    const oss = clientFor(alice)
    const put = await oss.putObject(alice.bucket, 'alice/tea.txt', new $Oss.PutObjectRequest({ body: Readable.from([Buffer.from('from the tea SDK')]) }))
    expect(put.statusCode).toBe(200)
    const head = await oss.headObject(alice.bucket, 'alice/tea.txt', new $Oss.HeadObjectRequest({}))
    expect(head.statusCode).toBe(200)
    const got = await oss.getObject(alice.bucket, 'alice/tea.txt', new $Oss.GetObjectRequest({}))
    expect(await text(got.body)).toBe('from the tea SDK')
    const deleted = await oss.deleteObject(alice.bucket, 'alice/tea.txt', new $Oss.DeleteObjectRequest({}))
    expect(deleted.statusCode).toBe(204)
  })

  it('is refused another user\'s prefix (AccessDenied) and a wrong secret (SignatureDoesNotMatch)', async () => {
    const denied = await clientFor(alice).putObject(alice.bucket, 'bob/tea.txt', new $Oss.PutObjectRequest({ body: Readable.from([Buffer.from('x')]) })).then(() => 'ok', (e: { code: string }) => e.code)
    expect(denied).toBe('AccessDenied')
    const wrong = await clientFor({ ...alice, accessKeySecret: 'wrong' }).getObject(alice.bucket, 'alice/tea.txt', new $Oss.GetObjectRequest({})).then(() => 'ok', (e: { code: string }) => e.code)
    expect(wrong).toBe('SignatureDoesNotMatch')
  })
})
