// Peer (c): the official sample app server's design (rockuw/node-sts-app-server): no cache,
// one AssumeRole per request, one static policy and session name for everyone.
import express from 'express'
import { Config } from '@alicloud/openapi-client'
import Sts, { AssumeRoleRequest } from '@alicloud/sts20150401'

const Client = Sts.default ?? Sts
const client = new Client(new Config({ accessKeyId: process.env.BENCH_AK, accessKeySecret: process.env.BENCH_SK, endpoint: process.env.BENCH_STS.replace('http://', ''), protocol: 'http', readTimeout: 3000, connectTimeout: 3000 }))
const policy = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: ['oss:GetObject'], Resource: ['acs:oss:*:*:app-base-oss/*'] }] })
const app = express()
app.get('/', async (_req, res) => {
  try {
    const r = await client.assumeRole(new AssumeRoleRequest({ roleArn: 'acs:ram::1234:role/ossvend-app', roleSessionName: 'app', durationSeconds: 900, policy }))
    const c = r.body.credentials
    res.json({ StatusCode: 200, AccessKeyId: c.accessKeyId, AccessKeySecret: c.accessKeySecret, SecurityToken: c.securityToken, Expiration: c.expiration })
  } catch (err) {
    res.status(400).json(err.message)
  }
})
const server = app.listen(0, '127.0.0.1', () => console.log(`listening http://127.0.0.1:${server.address().port}`))
