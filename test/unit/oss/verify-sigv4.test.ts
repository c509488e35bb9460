import { describe, expect, it } from 'vitest'
import { canonicalRequestSigV4, signatureSigV4, verifySigV4, type SigV4Request } from '../../../src/oss/verify-sigv4.js'
import type { CredentialLookup } from '../../../src/oss/verify.js'
import { loadVectorFile } from '../../helpers/vectors.js'

interface Case {
  name: string
  input: { accessKeyId: string; accessKeySecret: string; now: number; method: string; rawPath: string; query: Record<string, string | null>; headers: Record<string, string> }
  expected: { canonicalRequest?: string; signature: string; payloadSha256?: string }
}

const vectors = loadVectorFile<Case>('oss/sigv4-s3.json')

const signedHeadersOf = (c: Case) => (c.input.headers.authorization ? /SignedHeaders=([^,]+)/.exec(c.input.headers.authorization)?.[1] : c.input.query['X-Amz-SignedHeaders'])?.split(';') ?? []
const payloadOf = (c: Case) => c.input.headers['x-amz-content-sha256'] ?? 'UNSIGNED-PAYLOAD'

describe(vectors.file, () => {
  it.each(vectors.cases)('$name: canonical request and signature', (c) => {
    const canonical = canonicalRequestSigV4(c.input, signedHeadersOf(c), payloadOf(c), 'X-Amz-Signature') as string
    if (c.expected.canonicalRequest) expect(canonical).toBe(c.expected.canonicalRequest)
    expect(signatureSigV4(c.input.accessKeySecret, { day: '20130524', region: 'us-east-1' }, '20130524T000000Z', canonical)).toBe(c.expected.signature)
  })

  it.each(vectors.cases)('$name: verified, and refused with any byte changed', (c) => {
    const lookup: CredentialLookup = (id) => (id === c.input.accessKeyId ? { accessKeySecret: c.input.accessKeySecret } : undefined)
    const now = new Date(c.input.now * 1000)
    const verdict = verifySigV4(c.input, lookup, now)
    expect(verdict).toMatchObject({ ok: true, accessKeyId: c.input.accessKeyId, signedUrl: c.input.headers.authorization === undefined })
    if (c.expected.payloadSha256) expect(verdict).toMatchObject({ payload: { kind: 'sha256', sha256: c.expected.payloadSha256 } })
    const tampered: SigV4Request = { ...c.input, rawPath: `${c.input.rawPath}x` }
    expect(verifySigV4(tampered, lookup, now)).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' })
    const wrongSecret: CredentialLookup = (id) => (id === c.input.accessKeyId ? { accessKeySecret: `${c.input.accessKeySecret}x` } : undefined)
    expect(verifySigV4(c.input, wrongSecret, now)).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' })
    expect(verifySigV4(c.input, () => undefined, now)).toMatchObject({ ok: false, code: 'InvalidAccessKeyId' })
  })
})

describe('verifySigV4 refusals', () => {
  const [getObject, , , , presigned] = vectors.cases as [Case, Case, Case, Case, Case]
  const known: CredentialLookup = () => ({ accessKeySecret: getObject.input.accessKeySecret })
  const at = (sec: number) => new Date(sec * 1000)

  it('refuses a header request more than 15 minutes off, and a presigned URL after its expiry', () => {
    expect(verifySigV4(getObject.input, known, at(getObject.input.now + 16 * 60))).toMatchObject({ ok: false, code: 'RequestTimeTooSkewed' })
    expect(verifySigV4(presigned.input, known, at(presigned.input.now + 86_401))).toMatchObject({ ok: false, code: 'AccessDenied', message: 'Request has expired.' })
    expect(verifySigV4(presigned.input, known, at(presigned.input.now + 86_399))).toMatchObject({ ok: true })
  })

  it('needs the STS token of STS credentials, and refuses them expired', () => {
    const sts: CredentialLookup = () => ({ accessKeySecret: getObject.input.accessKeySecret, securityToken: 'token', expiresAt: (getObject.input.now + 60) * 1000 })
    expect(verifySigV4(getObject.input, sts, at(getObject.input.now))).toMatchObject({ ok: false, code: 'InvalidSecurityToken' })
    const withToken = { ...getObject.input, headers: { ...getObject.input.headers, 'x-amz-security-token': 'token' } }
    expect(verifySigV4(withToken, sts, at(getObject.input.now + 120))).toMatchObject({ ok: false, code: 'SecurityTokenExpired' })
  })

  it('refuses a header without x-amz-content-sha256, signed chunks, and signed headers without host', () => {
    const { 'x-amz-content-sha256': _, ...noHash } = getObject.input.headers
    expect(verifySigV4({ ...getObject.input, headers: noHash }, known, at(getObject.input.now))).toMatchObject({ ok: false, code: 'InvalidArgument' })
    const signedChunks = { ...getObject.input.headers, 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' }
    expect(verifySigV4({ ...getObject.input, headers: signedChunks }, known, at(getObject.input.now))).toMatchObject({ ok: false, code: 'NotImplemented' })
    const noHost = { ...getObject.input.headers, authorization: (getObject.input.headers.authorization as string).replace('host;', '') }
    expect(verifySigV4({ ...getObject.input, headers: noHost }, known, at(getObject.input.now))).toMatchObject({ ok: false, code: 'InvalidArgument' })
  })
})
