// bench/sign: ossvend's signers against ali-oss 6.23.0 in the same run, with STS credentials.
import { createRequire } from 'node:module'
import { presignUrlV1 } from '../dist/oss/sign-v1.js'
import { presignUrlV4 } from '../dist/oss/sign-v4.js'
import { buildPostFormV4, postSignatureV4 } from '../dist/oss/post-policy.js'
import { measure } from './measure.mjs'

const require = createRequire(import.meta.url)
const OSS = require('ali-oss')

export async function run() {
  const credentials = { accessKeyId: 'STS.benchAccessKeyId', accessKeySecret: 'benchSecretBenchSecretBenchSecret12', securityToken: `CAIS${'Ab3+/9='.repeat(86)}` }
  const client = new OSS({ accessKeyId: credentials.accessKeyId, accessKeySecret: credentials.accessKeySecret, stsToken: credentials.securityToken, refreshSTSToken: async () => credentials, region: 'oss-cn-hangzhou', bucket: 'app-base-oss' })
  const endpoint = { url: 'https://oss-cn-hangzhou.aliyuncs.com', style: 'virtual' }
  const key = 'alice/photos/2026/holiday picture+1.jpg'
  let sink = 0

  const oursV1 = measure('ossvend V1 URL', () => {
    sink += presignUrlV1({ credentials, endpoint, bucket: 'app-base-oss', key, method: 'GET', expires: Math.floor(Date.now() / 1000) + 900 }).url.length
  })
  const theirsV1 = measure('ali-oss signatureUrl', () => {
    sink += client.signatureUrl(key, { expires: 900 }).length
  })
  const oursV4 = measure('ossvend V4 URL', () => {
    sink += presignUrlV4({ credentials, endpoint, region: 'cn-hangzhou', bucket: 'app-base-oss', key, method: 'GET', now: new Date(), expiresInSec: 900 }).url.length
  })
  // signatureUrlV4 is async (it refreshes STS credentials first); measured per awaited call.
  const theirsV4 = await measureAsync(async () => {
    sink += (await client.signatureUrlV4('GET', 900, {}, key)).length
  })
  const policyFor = (now) => ({
    expiration: new Date(now.getTime() + 600_000).toISOString(),
    conditions: [{ bucket: 'app-base-oss' }, ['starts-with', '$key', 'alice/'], ['content-length-range', 1, 104857600]],
  })
  const oursPost = measure('ossvend V4 PostObject form', () => {
    const now = new Date()
    sink += buildPostFormV4({ bucket: 'app-base-oss', expiration: new Date(now.getTime() + 600_000), key: { startsWith: 'alice/' }, contentLength: { min: 1, max: 104857600 } }, credentials, endpoint, 'cn-hangzhou', now).fields.length
  })
  // The same work signPostObjectPolicyV4 does: serialise the policy, base64 it, sign it.
  const oursPostSignature = measure('ossvend V4 PostObject signature', () => {
    const now = new Date()
    sink += postSignatureV4(credentials.accessKeySecret, Buffer.from(JSON.stringify(policyFor(now))).toString('base64'), 'cn-hangzhou', now).length
  })
  const theirsPost = measure('ali-oss signPostObjectPolicyV4', () => {
    const now = new Date()
    sink += client.signPostObjectPolicyV4(policyFor(now), now).length
  })
  if (sink === 0.5) console.log('unreachable')
  const row = (label, ours, theirs, target) => [label, `${(ours.ns / 1000).toFixed(2)} us vs ${(theirs.ns / 1000).toFixed(2)} us`, `${(theirs.ns / ours.ns).toFixed(1)} x faster (target >= ${target})`]
  return {
    name: 'sign',
    rows: [
      row('V1 URL (ossvend vs ali-oss signatureUrl)', oursV1, theirsV1, 6),
      row('V4 URL (ossvend vs ali-oss signatureUrlV4)', oursV4, theirsV4, 8),
      row('V4 PostObject signature (same work as signPostObjectPolicyV4)', oursPostSignature, theirsPost, 4),
      ['V4 PostObject full form (conditions, token, fields)', `${(oursPost.ns / 1000).toFixed(2)} us`, `${(theirsPost.ns / oursPost.ns).toFixed(1)} x ali-oss's signature alone (target >= 4)`],
    ],
    figures: {
      v1UrlNs: Math.round(oursV1.ns), aliOssV1UrlNs: Math.round(theirsV1.ns), v1Speedup: Number((theirsV1.ns / oursV1.ns).toFixed(1)),
      v4UrlNs: Math.round(oursV4.ns), aliOssV4UrlNs: Math.round(theirsV4.ns), v4Speedup: Number((theirsV4.ns / oursV4.ns).toFixed(1)),
      v4PostSignatureNs: Math.round(oursPostSignature.ns), aliOssV4PostNs: Math.round(theirsPost.ns), v4PostSpeedup: Number((theirsPost.ns / oursPostSignature.ns).toFixed(1)),
      v4PostFullFormNs: Math.round(oursPost.ns), v4PostFullFormSpeedup: Number((theirsPost.ns / oursPost.ns).toFixed(1)),
    },
  }
}

async function measureAsync(fn, minMs = 400) {
  const warm = performance.now() + 100
  while (performance.now() < warm) await fn()
  let n = 0
  const start = process.hrtime.bigint()
  const until = performance.now() + minMs
  do {
    await fn()
    n++
  } while (performance.now() < until)
  return { ns: Number(process.hrtime.bigint() - start) / n }
}
