// bench/sign: ossvend's signers against ali-oss 6.23.0 in the same run, with STS credentials,
// each pair measured in alternating windows (measure.mjs measurePair).
import { createRequire } from 'node:module'
import { presignUrlV1 } from '../dist/oss/sign-v1.js'
import { presignUrlV4 } from '../dist/oss/sign-v4.js'
import { buildPostFormV4, postSignatureV4 } from '../dist/oss/post-policy.js'
import { measurePair } from './measure.mjs'

const require = createRequire(import.meta.url)
const OSS = require('ali-oss')

export async function run() {
  const credentials = { accessKeyId: 'STS.benchAccessKeyId', accessKeySecret: 'benchSecretBenchSecretBenchSecret12', securityToken: `CAIS${'Ab3+/9='.repeat(86)}` }
  const client = new OSS({ accessKeyId: credentials.accessKeyId, accessKeySecret: credentials.accessKeySecret, stsToken: credentials.securityToken, refreshSTSToken: async () => credentials, region: 'oss-cn-hangzhou', bucket: 'app-base-oss' })
  const endpoint = { url: 'https://oss-cn-hangzhou.aliyuncs.com', style: 'virtual' }
  const key = 'alice/photos/2026/holiday picture+1.jpg'
  let sink = 0

  const v1 = await measurePair({
    ours: () => { sink += presignUrlV1({ credentials, endpoint, bucket: 'app-base-oss', key, method: 'GET', expires: Math.floor(Date.now() / 1000) + 900 }).url.length },
    theirs: () => { sink += client.signatureUrl(key, { expires: 900 }).length },
  })
  // signatureUrlV4 is async (it refreshes STS credentials first); measured per awaited call.
  const v4 = await measurePair({
    ours: () => { sink += presignUrlV4({ credentials, endpoint, region: 'cn-hangzhou', bucket: 'app-base-oss', key, method: 'GET', now: new Date(), expiresInSec: 900 }).url.length },
    theirs: async () => { sink += (await client.signatureUrlV4('GET', 900, {}, key)).length },
    theirsAsync: true,
  })
  const policyFor = (now) => ({
    expiration: new Date(now.getTime() + 600_000).toISOString(),
    conditions: [{ bucket: 'app-base-oss' }, ['starts-with', '$key', 'alice/'], ['content-length-range', 1, 104857600]],
  })
  const theirsPost = () => {
    const now = new Date()
    sink += client.signPostObjectPolicyV4(policyFor(now), now).length
  }
  // The same work signPostObjectPolicyV4 does: serialise the policy, base64 it, sign it.
  const postSignature = await measurePair({
    ours: () => {
      const now = new Date()
      sink += postSignatureV4(credentials.accessKeySecret, Buffer.from(JSON.stringify(policyFor(now))).toString('base64'), 'cn-hangzhou', now).length
    },
    theirs: theirsPost,
  })
  const postForm = await measurePair({
    ours: () => {
      const now = new Date()
      sink += buildPostFormV4({ bucket: 'app-base-oss', expiration: new Date(now.getTime() + 600_000), key: { startsWith: 'alice/' }, contentLength: { min: 1, max: 104857600 } }, credentials, endpoint, 'cn-hangzhou', now).fields.length
    },
    theirs: theirsPost,
  })
  if (sink === 0.5) console.log('unreachable')
  const row = (label, pair, target) => [label, `${(pair.oursNs / 1000).toFixed(2)} us vs ${(pair.theirsNs / 1000).toFixed(2)} us`, `${pair.ratio.toFixed(1)} x faster (target >= ${target})`]
  return {
    name: 'sign',
    rows: [
      row('V1 URL (ossvend vs ali-oss signatureUrl)', v1, 6),
      row('V4 URL (ossvend vs ali-oss signatureUrlV4)', v4, 8),
      row('V4 PostObject signature (same work as signPostObjectPolicyV4)', postSignature, 4),
      ['V4 PostObject full form (conditions, token, fields)', `${(postForm.oursNs / 1000).toFixed(2)} us`, `${postForm.ratio.toFixed(1)} x ali-oss's signature alone (target >= 4)`],
    ],
    figures: {
      v1UrlNs: Math.round(v1.oursNs), aliOssV1UrlNs: Math.round(v1.theirsNs), v1Speedup: Number(v1.ratio.toFixed(1)),
      v4UrlNs: Math.round(v4.oursNs), aliOssV4UrlNs: Math.round(v4.theirsNs), v4Speedup: Number(v4.ratio.toFixed(1)),
      v4PostSignatureNs: Math.round(postSignature.oursNs), aliOssV4PostNs: Math.round(postSignature.theirsNs), v4PostSpeedup: Number(postSignature.ratio.toFixed(1)),
      v4PostFullFormNs: Math.round(postForm.oursNs), v4PostFullFormSpeedup: Number(postForm.ratio.toFixed(1)),
    },
  }
}
