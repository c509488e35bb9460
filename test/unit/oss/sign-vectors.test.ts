import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { authorizationV1, presignUrlV1, signatureV1, stringToSignV1, type QueryParams } from '../../../src/oss/sign-v1.js'
import { authorizationV4, presignUrlV4 } from '../../../src/oss/sign-v4.js'
import { loadVectorFile } from '../../helpers/vectors.js'

interface V1Case {
  name: string
  presign?: { expires: number; endpoint: string }
  input: { accessKeyId: string; accessKeySecret: string; method: string; bucket: string; key: string; date: string; headers: Record<string, string>; query: QueryParams }
  expected: { stringToSign?: string; signature?: string; authorization?: string; url?: string }
}

const v1 = loadVectorFile<V1Case>('oss/sign-v1.json')
describe(v1.file, () => {
  it.each(v1.cases)('$name', ({ input, presign, expected }) => {
    const sts = stringToSignV1(input)
    if (expected.stringToSign) expect(sts).toBe(expected.stringToSign)
    if (expected.signature) expect(signatureV1(input.accessKeySecret, sts)).toBe(expected.signature)
    if (expected.authorization) expect(authorizationV1(input.accessKeyId, input.accessKeySecret, sts)).toBe(expected.authorization)
    if (expected.url && presign) {
      const out = presignUrlV1({
        credentials: { accessKeyId: input.accessKeyId, accessKeySecret: input.accessKeySecret },
        endpoint: { url: presign.endpoint, style: 'virtual' },
        bucket: input.bucket, key: input.key, method: input.method, expires: presign.expires, headers: input.headers,
      })
      expect(out.url).toBe(expected.url)
    }
  })
})

interface V4Case {
  name: string
  mode: 'header' | 'url'
  input: { accessKeyId: string; accessKeySecret: string; securityToken?: string; region: string; now: number; expiresInSec?: number; method: string; bucket: string; key: string; headers: Record<string, string>; query: QueryParams; additionalHeaders?: string[] }
  expected: { canonicalRequest?: string; hashedCanonicalRequest?: string; signature?: string; authorization?: string; queryContains?: string }
}

const v4 = loadVectorFile<V4Case>('oss/sign-v4.json')
describe(v4.file, () => {
  it.each(v4.cases)('$name', ({ mode, input, expected }) => {
    const credentials = { accessKeyId: input.accessKeyId, accessKeySecret: input.accessKeySecret, ...(input.securityToken ? { securityToken: input.securityToken } : {}) }
    const now = new Date(input.now * 1000)
    let canonicalRequest: string
    let signature: string
    if (mode === 'header') {
      const out = authorizationV4({ credentials, region: input.region, now, method: input.method, bucket: input.bucket, key: input.key, headers: input.headers, query: input.query, additionalHeaders: input.additionalHeaders ?? [] })
      canonicalRequest = out.canonicalRequest
      signature = /Signature=([0-9a-f]{64})$/.exec(out.authorization)?.[1] ?? ''
      if (expected.authorization) expect(out.authorization).toBe(expected.authorization)
    } else {
      const query = Object.fromEntries(Object.entries(input.query).map(([k, v]) => [k, v ?? '']))
      const out = presignUrlV4({ credentials, endpoint: { url: 'https://oss-cn-hangzhou.aliyuncs.com', style: 'virtual' }, region: input.region, now, expiresInSec: input.expiresInSec ?? 600, method: input.method, bucket: input.bucket, key: input.key, headers: input.headers, additionalHeaders: input.additionalHeaders ?? [], query })
      canonicalRequest = out.debug.canonicalRequest ?? ''
      signature = new URL(out.url).searchParams.get('x-oss-signature') ?? ''
      if (expected.queryContains) expect(out.url).toContain(expected.queryContains)
    }
    if (expected.canonicalRequest) expect(canonicalRequest).toBe(expected.canonicalRequest)
    if (expected.hashedCanonicalRequest) expect(createHash('sha256').update(canonicalRequest).digest('hex')).toBe(expected.hashedCanonicalRequest)
    if (expected.signature) expect(signature).toBe(expected.signature)
  })
})
