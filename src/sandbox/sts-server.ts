import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { checkPolicy } from '../policy/parse.js'
import { toStsTimestamp, type Clock } from '../lib/clock.js'
import { randomHex, randomToken, safeEqual, sha256Hex } from '../lib/crypto.js'
import { acs3Signature, acs3StringToSign, parseAcs3Authorization } from './acs3-signature.js'
import type { StsCredentialStore } from './sts-credential-store.js'
import { StsFaults, type StsFaultSettings } from './sts-faults.js'

export interface SandboxAccount {
  readonly accessKeySecret: string
  /** The account (uid) the AccessKey belongs to. */
  readonly account: string
}

export interface SandboxStsOptions {
  /** Root AccessKeyId to its secret and account. */
  readonly accounts: ReadonlyMap<string, SandboxAccount>
  readonly store: StsCredentialStore
  readonly clock: Clock
  /** AssumeRole calls per second per account (STS allows 100). */
  readonly rateLimitPerSecond: number
  readonly maxSessionDurationSec?: number
  readonly faults?: StsFaults
}

export interface SandboxStsStats {
  requests: number
  issued: number
  readonly byCode: Record<string, number>
}

const MAX_CLOCK_SKEW_MS = 15 * 60_000
const NONCE_TTL_MS = 30 * 60_000
const ROLE_ARN = /^acs:ram::([0-9]+):role\/([A-Za-z0-9._-]+)$/
const SESSION_NAME = /^[A-Za-z0-9.@_-]{2,64}$/
const REQUIRED_SIGNED = ['host', 'x-acs-action', 'x-acs-content-sha256', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-version']

class StsFailure extends Error {
  readonly status: number
  readonly stsCode: string
  readonly headers: Record<string, string>
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message)
    this.status = status
    this.stsCode = code
    this.headers = headers
  }
}

/**
 * A local STS that behaves like the real one where ossvend depends on it: it verifies the
 * ACS3-HMAC-SHA256 signature of every call (stale dates and replayed nonces refused), applies
 * AssumeRole's parameter rules (RoleArn, RoleSessionName, DurationSeconds, Policy length and
 * grammar), limits each account's call rate, and answers with STS's JSON shapes for success and
 * error. Faults (latency, 5xx, throttling, dropped connections, hangs, malformed bodies) can be
 * switched on for tests, in-process or at `PUT /__sandbox/faults`.
 */
export function createSandboxSts(options: SandboxStsOptions) {
  const faults = options.faults ?? new StsFaults()
  const stats: SandboxStsStats = { requests: 0, issued: 0, byCode: {} }
  const nonces = new Map<string, number>()
  const windows = new Map<string, { startMs: number; count: number }>()
  const hanging = new Set<ServerResponse>()
  const maxDuration = options.maxSessionDurationSec ?? 43200

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox')
    const body = await readBody(req)
    if (url.pathname === '/__sandbox/faults') return controlFaults(req, res, body)
    if (url.pathname === '/__sandbox/stats') return sendJson(res, 200, { ...stats, issuedCredentials: options.store.size })
    stats.requests++
    const requestId = randomHex(16).toUpperCase()
    try {
      const caller = authenticate(req, url, body)
      const fault = faults.next()
      if (fault.latencyMs > 0) await sleep(fault.latencyMs)
      if (fault.mode === 'drop') {
        req.socket.destroy()
        return count('Dropped')
      }
      if (fault.mode === 'hang') {
        hanging.add(res)
        res.on('close', () => hanging.delete(res))
        return count('Hang')
      }
      if (fault.mode === 'server-error') throw new StsFailure(503, 'ServiceUnavailable', 'The request has failed due to a temporary failure of the server.')
      if (fault.mode === 'throttle') throw throttled(fault.retryAfterMs)
      if (fault.mode === 'no-permission') throw new StsFailure(403, 'NoPermission', 'You are not authorized to do this action. You should be authorized by RAM.')
      if (fault.mode === 'policy-grammar') throw new StsFailure(400, 'InvalidParameter.PolicyGrammar', 'The parameter Policy has not passed grammar check.')
      limitRate(caller.account)
      const answer = assumeRole(url.searchParams, caller.account, requestId)
      if (fault.mode === 'malformed') {
        count('Malformed')
        return sendJson(res, 200, { RequestId: requestId, Credentials: { AccessKeyId: 'STS.x', Expiration: 'garbage' } }, requestId)
      }
      count('OK')
      stats.issued++
      return sendJson(res, 200, answer, requestId)
    } catch (err) {
      if (!(err instanceof StsFailure)) throw err
      count(err.stsCode)
      for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v)
      return sendJson(res, err.status, {
        RequestId: requestId,
        HostId: 'sts.aliyuncs.com',
        Code: err.stsCode,
        Message: err.message,
        Recommend: `https://api.aliyun.com/troubleshoot?q=${err.stsCode}`,
      }, requestId)
    }
  }

  function count(code: string): void {
    stats.byCode[code] = (stats.byCode[code] ?? 0) + 1
  }

  function authenticate(req: IncomingMessage, url: URL, body: Buffer): { account: string } {
    const auth = parseAcs3Authorization(header(req, 'authorization'))
    if (!auth) throw new StsFailure(400, 'IncompleteSignature', 'The request signature does not conform to Aliyun standards.')
    const account = options.accounts.get(auth.accessKeyId)
    if (!account) throw new StsFailure(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.')
    const missing = REQUIRED_SIGNED.filter((h) => !auth.signedHeaders.includes(h))
    if (missing.length > 0) throw new StsFailure(400, 'IncompleteSignature', `Headers must be signed: ${missing.join(', ')}`)
    const headers: Record<string, string> = {}
    for (const name of auth.signedHeaders) headers[name] = header(req, name) ?? ''
    const payloadHash = sha256Hex(body)
    if (!safeEqual(headers['x-acs-content-sha256'] ?? '', payloadHash)) {
      throw new StsFailure(400, 'SignatureDoesNotMatch', 'The request body does not match x-acs-content-sha256.')
    }
    const query = new Map<string, string>()
    for (const [k, v] of url.searchParams) query.set(k, v)
    const { stringToSign } = acs3StringToSign({
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      headers,
      signedHeaders: auth.signedHeaders,
      payloadHash,
    })
    if (!safeEqual(acs3Signature(account.accessKeySecret, stringToSign), auth.signature)) {
      throw new StsFailure(400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.')
    }
    const now = options.clock().getTime()
    const date = Date.parse(headers['x-acs-date'] ?? '')
    if (Number.isNaN(date) || Math.abs(now - date) > MAX_CLOCK_SKEW_MS) {
      throw new StsFailure(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.')
    }
    const nonce = headers['x-acs-signature-nonce'] ?? ''
    for (const [n, at] of nonces) if (at < now - NONCE_TTL_MS) nonces.delete(n)
    if (nonces.has(nonce)) throw new StsFailure(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.')
    nonces.set(nonce, now)
    if (header(req, 'x-acs-action') !== 'AssumeRole' || header(req, 'x-acs-version') !== '2015-04-01') {
      throw new StsFailure(404, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.')
    }
    return { account: account.account }
  }

  function limitRate(account: string): void {
    const now = options.clock().getTime()
    const window = windows.get(account)
    if (!window || now - window.startMs >= 1000) {
      windows.set(account, { startMs: now, count: 1 })
      return
    }
    window.count++
    if (window.count > options.rateLimitPerSecond) throw throttled(1000 - (now - window.startMs))
  }

  function assumeRole(params: URLSearchParams, account: string, requestId: string) {
    const roleArn = params.get('RoleArn')
    const sessionName = params.get('RoleSessionName')
    const durationText = params.get('DurationSeconds') ?? '3600'
    const policy = params.get('Policy') ?? undefined
    if (!roleArn) throw new StsFailure(400, 'MissingRoleArn', 'RoleArn is mandatory for this action.')
    const role = ROLE_ARN.exec(roleArn)
    if (!role) throw new StsFailure(400, 'InvalidParameter.RoleArn', 'The parameter RoleArn is wrongly formed.')
    if (role[1] !== account) throw new StsFailure(403, 'NoPermission', 'No permission perform sts:AssumeRole on this Role. Maybe you should check the role\'s trust policy.')
    if (!sessionName) throw new StsFailure(400, 'MissingRoleSessionName', 'RoleSessionName is mandatory for this action.')
    if (!SESSION_NAME.test(sessionName)) throw new StsFailure(400, 'InvalidParameter.RoleSessionName', 'The parameter RoleSessionName is wrongly formed.')
    const duration = Number(durationText)
    if (!/^[0-9]+$/.test(durationText) || duration < 900 || duration > maxDuration) {
      throw new StsFailure(400, 'InvalidParameter.DurationSeconds', `The Min/Max value of DurationSeconds is 15min/${maxDuration / 3600}hr.`)
    }
    if (policy !== undefined) {
      if (policy.length < 1 || policy.length > 2048) throw new StsFailure(400, 'InvalidParameter.PolicyLength', 'The length of Policy must be 1 to 2048.')
      let parsed: unknown
      try {
        parsed = JSON.parse(policy)
      } catch {
        throw new StsFailure(400, 'InvalidParameter.PolicyGrammar', 'The parameter Policy has not passed grammar check.')
      }
      if (!checkPolicy(parsed).ok) throw new StsFailure(400, 'InvalidParameter.PolicyGrammar', 'The parameter Policy has not passed grammar check.')
    }
    const now = options.clock().getTime()
    const expiresAt = Math.floor(now / 1000) * 1000 + duration * 1000
    const credential = {
      accessKeyId: `STS.${randomToken(18).replace(/[-_]/g, 'x')}`,
      accessKeySecret: randomToken(30).replace(/[-_]/g, 'y'),
      securityToken: `CAIS${randomToken(96)}`,
      expiresAt,
      account,
      roleArn,
      sessionName,
      ...(policy !== undefined ? { policy } : {}),
    }
    options.store.add(credential, now)
    return {
      RequestId: requestId,
      AssumedRoleUser: { Arn: `${roleArn}/${sessionName}`, AssumedRoleId: `3${randomHex(8)}:${sessionName}` },
      Credentials: {
        SecurityToken: credential.securityToken,
        AccessKeyId: credential.accessKeyId,
        AccessKeySecret: credential.accessKeySecret,
        Expiration: toStsTimestamp(new Date(expiresAt)),
      },
    }
  }

  function controlFaults(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    if (req.method === 'PUT' || req.method === 'POST') {
      try {
        const settings = JSON.parse(body.toString('utf8') || '{}') as Partial<StsFaultSettings>
        return sendJson(res, 200, faults.set(settings))
      } catch {
        return sendJson(res, 400, { Code: 'InvalidFaults', Message: 'expected a JSON object' })
      }
    }
    return sendJson(res, 200, faults.settings)
  }

  return {
    handle,
    faults,
    stats,
    store: options.store,
    /** Ends hanging requests (so a server can close). */
    releaseHanging(): void {
      for (const res of hanging) res.destroy()
      hanging.clear()
    },
  }
}

export type SandboxSts = ReturnType<typeof createSandboxSts>

export interface RunningSandboxSts extends SandboxSts {
  readonly server: Server
  readonly url: string
  /** `host:port`, the form `@alicloud/openapi-client`'s `endpoint` takes. */
  readonly endpoint: string
  close(): Promise<void>
}

export async function startSandboxSts(options: SandboxStsOptions & { host?: string; port?: number }): Promise<RunningSandboxSts> {
  const sts = createSandboxSts(options)
  const server = createServer((req, res) => {
    sts.handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { Code: 'InternalError', Message: 'The request processing has failed due to some unknown error.' })
      else res.destroy()
    })
  })
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  return {
    ...sts,
    server,
    url: `http://${host}:${port}`,
    endpoint: `${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        sts.releaseHanging()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function throttled(retryAfterMs: number): StsFailure {
  return new StsFailure(400, 'Throttling.User', 'Request was denied due to user flow control.', {
    'x-acs-retry-after': String(Math.max(1, Math.round(retryAfterMs))),
  })
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value.join(',') : value
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > 65536) {
        req.destroy()
        reject(new Error('body too large'))
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function sendJson(res: ServerResponse, status: number, body: unknown, requestId?: string): void {
  res.statusCode = status
  res.setHeader('content-type', 'application/json;charset=utf-8')
  if (requestId) res.setHeader('x-acs-request-id', requestId)
  res.end(JSON.stringify(body))
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
