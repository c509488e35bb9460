import request from 'supertest'
import type { TestApp } from '../helpers/app.js'
import { rememberSecrets } from '../helpers/secrets.js'

/** What a client needs from ossvend to reach the sandbox OSS: STS credentials and placement. */
export interface Vended {
  readonly accessKeyId: string
  readonly accessKeySecret: string
  readonly securityToken: string
  /** The advertised OSS endpoint, as ossvend hands it out (`http://localhost:PORT`). */
  readonly endpoint: string
  readonly bucket: string
  /** `cn-hangzhou` */
  readonly region: string
  readonly prefix: string
}

/** Logs in as a demo user and fetches STS credentials from `/v1/sts`, as an app does. */
export async function vend(t: TestApp, who: { username: string; password: string }, scope = 'read-write'): Promise<Vended> {
  const token = (await request(t.app).post('/v1/login').send(who).expect(200)).body.accessToken as string
  const body = (await request(t.app).get(`/v1/sts?scope=${scope}`).set('authorization', `Bearer ${token}`).expect(200)).body as Record<string, string>
  rememberSecrets(token, body.AccessKeySecret, body.SecurityToken)
  return {
    accessKeyId: body.AccessKeyId as string,
    accessKeySecret: body.AccessKeySecret as string,
    securityToken: body.SecurityToken as string,
    endpoint: t.deps.ossEndpoint,
    bucket: t.config.oss.bucket,
    region: t.config.oss.region,
    prefix: `${who.username}/`,
  }
}
