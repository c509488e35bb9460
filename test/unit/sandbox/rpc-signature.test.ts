import { describe, expect, it } from 'vitest'
import { rpcSignature, rpcStringToSign } from '../../../src/sandbox/rpc-signature.js'
import { loadVectorFile } from '../../helpers/vectors.js'

interface RpcVector {
  name: string
  method: 'GET' | 'POST'
  secret: string
  params: Record<string, string>
  stringToSign: string
  signature: string
}

const vectors = loadVectorFile<RpcVector>('sts/rpc-signature.json')

describe(vectors.file, () => {
  it.each(vectors.cases)('$name', ({ method, secret, params, stringToSign, signature }) => {
    const map = new Map(Object.entries(params))
    expect(rpcStringToSign(method, map)).toBe(stringToSign)
    expect(rpcSignature(secret, stringToSign)).toBe(signature)
  })
})

describe('rpcStringToSign', () => {
  it('leaves the Signature parameter out, wherever it came from', () => {
    const base = new Map([['Action', 'AssumeRole'], ['Timestamp', '2024-01-02T03:04:05Z']])
    const withSignature = new Map([...base, ['Signature', 'abc=']])
    expect(rpcStringToSign('POST', withSignature)).toBe(rpcStringToSign('POST', base))
  })

  it('is keyed by the secret plus "&": another secret gives another signature', () => {
    const sts = rpcStringToSign('GET', new Map([['Action', 'AssumeRole']]))
    expect(rpcSignature('secret-a', sts)).not.toBe(rpcSignature('secret-b', sts))
  })
})
