import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadSandboxRoot } from '../../src/serve.js'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { rememberSecrets } from '../helpers/secrets.js'
import { ROOT } from '../helpers/vectors.js'

const require = createRequire(import.meta.url)
const run = promisify(execFile)

interface StsAnswer { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string; Expiration: string }
interface AliOssSts {
  assumeRole(role: string, policy?: object | string, expiration?: number, session?: string): Promise<{ credentials: StsAnswer }>
}
interface AliOss {
  put(key: string, body: Buffer): Promise<{ res: { status: number } }>
}
const OSS = require('ali-oss') as (new (options: object) => AliOss) & { STS: new (options: object) => AliOssSts }
const StsModule = require('@alicloud/sts20150401') as { default: new (config: object) => { assumeRole(request: object): Promise<{ statusCode: number; body: { credentials: { accessKeyId: string; accessKeySecret: string; securityToken: string; expiration: string } } }> }; AssumeRoleRequest: new (o: object) => object }
const { Config: OpenApiConfig } = require('@alicloud/openapi-client') as { Config: new (o: object) => object }

let t: TestApp
let root: { accessKeyId: string; accessKeySecret: string }
const ROLE = 'acs:ram::1234:role/ossvend-app'
const policyFor = (prefix: string) => ({
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: ['oss:PutObject', 'oss:GetObject'], Resource: [`acs:oss:*:*:app-base-oss/${prefix}*`] }],
})

beforeAll(async () => {
  t = await buildTestApp()
  root = await loadSandboxRoot(t.config.sandbox.dataDir)
  rememberSecrets(root.accessKeySecret)
})
afterAll(() => t.close())

describe('ali-oss OSS.STS (RPC, HMAC-SHA1, form body) against the sandbox STS', () => {
  it('assumes the role as ali-oss\'s README shows, and the credentials work on the sandbox OSS within the session policy', async () => {
    const sts = new OSS.STS({ accessKeyId: root.accessKeyId, accessKeySecret: root.accessKeySecret, endpoint: t.sts.url })
    const { credentials } = await sts.assumeRole(ROLE, policyFor('alice/'), 3600, 'u-alice')
    rememberSecrets(credentials.AccessKeySecret, credentials.SecurityToken)
    expect(credentials.AccessKeyId).toMatch(/^STS\./)
    expect(Date.parse(credentials.Expiration) - Date.now()).toBeGreaterThan(3_500_000)
    expect(t.sts.store.get(credentials.AccessKeyId)?.sessionName).toBe('u-alice')
    const client = new OSS({ accessKeyId: credentials.AccessKeyId, accessKeySecret: credentials.AccessKeySecret, stsToken: credentials.SecurityToken, endpoint: t.oss.url, bucket: 'app-base-oss', region: 'oss-cn-hangzhou' })
    expect((await client.put('alice/from-sts-class.txt', Buffer.from('x'))).res.status).toBe(200)
    await expect(client.put('bob/not-mine.txt', Buffer.from('x'))).rejects.toMatchObject({ status: 403, code: 'AccessDenied' })
  })

  it.each([
    ['a wrong secret', { accessKeySecret: 'not-the-secret' }, [ROLE, undefined, 3600, 'u-alice'], 400, 'SignatureDoesNotMatch'],
    ['an unknown AccessKeyId', { accessKeyId: 'SBXNOSUCHKEY' }, [ROLE, undefined, 3600, 'u-alice'], 404, 'InvalidAccessKeyId.NotFound'],
    ['a duration over the role maximum', {}, [ROLE, undefined, 7200, 'u-alice'], 400, 'InvalidParameter.DurationSeconds'],
    ['a duration under 15 minutes', {}, [ROLE, undefined, 600, 'u-alice'], 400, 'InvalidParameter.DurationSeconds'],
    ['an oversized policy', {}, [ROLE, policyFor(`${'x'.repeat(2100)}/`), 3600, 'u-alice'], 400, 'InvalidParameter.PolicyLength'],
    ["another account's role", {}, ['acs:ram::999:role/x', undefined, 3600, 'u-alice'], 403, 'NoPermission'],
  ] as const)('gets STS\'s error for %s: err.code and err.status as ali-oss reads them', async (_name, override, args, status, code) => {
    const sts = new OSS.STS({ accessKeyId: root.accessKeyId, accessKeySecret: root.accessKeySecret, endpoint: t.sts.url, ...override })
    const err = (await sts.assumeRole(...(args as unknown as [string, object | undefined, number, string])).catch((e: unknown) => e)) as { status: number; code: string; message: string }
    expect(err).toMatchObject({ status, code })
    expect(err.message.startsWith(`${code}: `)).toBe(true)
  })
})

describe('@alicloud/sts20150401 1.2.0 (ACS3) as its README shows', () => {
  it('assumes the role against the sandbox STS', async () => {
    const client = new StsModule.default(new OpenApiConfig({ accessKeyId: root.accessKeyId, accessKeySecret: root.accessKeySecret, endpoint: t.sts.endpoint, protocol: 'http' }))
    const res = await client.assumeRole(new StsModule.AssumeRoleRequest({ roleArn: ROLE, roleSessionName: 'u-alice', durationSeconds: 3600, policy: JSON.stringify(policyFor('alice/')) }))
    rememberSecrets(res.body.credentials.accessKeySecret, res.body.credentials.securityToken)
    expect(res.statusCode).toBe(200)
    expect(res.body.credentials.accessKeyId).toMatch(/^STS\./)
    expect(res.body.credentials.expiration).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
  })
})

describe('@alicloud/credentials ram_role_arn (RPC over HTTPS, as the provider always uses https)', () => {
  let tls: HttpsServer
  let certFile: string

  beforeAll(async () => {
    // The provider hard-codes https: a TLS front for the sandbox STS, with a throw-away certificate
    // for 127.0.0.1 that only the client process trusts (NODE_EXTRA_CA_CERTS).
    const dir = mkdtempSync(join(tmpdir(), 'ossvend-tls-'))
    certFile = join(dir, 'cert.pem')
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' })
    tls = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(certFile) }, (req, res) => {
      t.sts.handle(req, res).catch(() => res.destroy())
    })
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve))
  })
  afterAll(() => new Promise<void>((resolve) => tls.close(() => resolve())))

  /** Runs the provider, configured as @alicloud/credentials' README shows, in a process that trusts the test certificate. */
  async function getCredential(secret: string, extra: Record<string, unknown> = {}): Promise<{ ok: true; credential: Record<string, string> } | { ok: false; message: string }> {
    const port = (tls.address() as AddressInfo).port
    const config = { type: 'ram_role_arn', accessKeyId: root.accessKeyId, accessKeySecret: secret, roleArn: ROLE, roleSessionName: 'u-alice', roleSessionExpiration: 3600, stsEndpoint: `127.0.0.1:${port}`, ...extra }
    const script = `
      const Credential = require('@alicloud/credentials')
      const cred = new Credential.default(new Credential.Config(${JSON.stringify(config)}))
      cred.getCredential().then(
        (c) => console.log(JSON.stringify({ ok: true, credential: c })),
        (e) => console.log(JSON.stringify({ ok: false, message: e.message })))`
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: ROOT, env: { ...process.env, NODE_EXTRA_CA_CERTS: certFile } })
    return JSON.parse(stdout.trim()) as { ok: true; credential: Record<string, string> } | { ok: false; message: string }
  }

  it('gets credentials from the sandbox STS', async () => {
    const result = await getCredential(root.accessKeySecret, { policy: JSON.stringify(policyFor('alice/')) })
    expect(result.ok).toBe(true)
    if (result.ok) {
      rememberSecrets(result.credential.accessKeySecret, result.credential.securityToken)
      expect(result.credential).toMatchObject({ accessKeyId: expect.stringMatching(/^STS\./), type: 'ram_role_arn' })
      expect(t.sts.store.get(result.credential.accessKeyId!)?.policy).toBe(JSON.stringify(policyFor('alice/')))
    }
  })

  it('recognises a wrong secret from STS\'s answer (it compares the server\'s string to sign with its own)', async () => {
    expect(await getCredential('not-the-secret')).toEqual({ ok: false, message: 'the access key secret is invalid' })
  })

  it('reports an oversized policy with STS\'s code', async () => {
    const result = await getCredential(root.accessKeySecret, { policy: JSON.stringify(policyFor(`${'x'.repeat(2100)}/`)) })
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.message).toContain('InvalidParameter.PolicyLength')
  })
})
