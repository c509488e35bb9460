import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { checkPolicy } from '../policy/parse.js'
import { toStsTimestamp, type Clock } from '../lib/clock.js'
import { randomHex, randomToken } from '../lib/crypto.js'
import { authenticateAcs3, hasAcs3Authorization, type SignedCall } from './sts-acs3-auth.js'
import { authenticateRpc, looksLikeRpc, rpcParameters } from './sts-rpc-auth.js'
import { StsFailure, actionNotFound, nonceUsed, timestampExpired } from './sts-failure.js'
import { sendSts, type StsFormat } from './sts-response.js'
import type { StsCredentialStore } from './sts-credential-store.js'
import { StsFaults, type StsFaultSettings } from './sts-faults.js'
import { parseJsonOrThrow } from '../lib/parse-json.js'

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
  /** The role's MaxSessionDuration: the longest DurationSeconds AssumeRole grants (3600 by default, as RAM). */
  readonly maxSessionDurationSec?: number
  readonly faults?: StsFaults
  /**
   * Who may change faults at `/__sandbox/faults`: the sandbox's root credentials or its control
   * token. Without it (in-process tests) the endpoint refuses every change.
   */
  readonly isController?: (headers: IncomingHttpHeaders) => boolean
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
  const maxDuration = options.maxSessionDurationSec ?? 3600

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox')
    const body = await readBody(req)
    if (url.pathname === '/__sandbox/faults') return controlFaults(req, res, body)
    if (url.pathname === '/__sandbox/stats') return sendJson(res, 200, { ...stats, issuedCredentials: options.store.size })
    stats.requests++
    const requestId = randomHex(16).toUpperCase()
    let format: StsFormat = 'json'
    try {
      const call = readCall(req, url, body)
      format = call.format
      const signed = call.style === 'acs3' ? authenticateAcs3(req, url, body, secretOf) : authenticateRpc(req.method ?? 'GET', call.params, secretOf)
      const caller = authenticate(signed)
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
      const answer = assumeRole(call.params, caller.account, requestId)
      if (fault.mode === 'malformed') {
        count('Malformed')
        return sendJson(res, 200, { RequestId: requestId, Credentials: { AccessKeyId: 'STS.x', Expiration: 'garbage' } }, requestId)
      }
      count('OK')
      stats.issued++
      return sendSts(res, 200, format, 'AssumeRoleResponse', answer, requestId)
    } catch (err) {
      if (!(err instanceof StsFailure)) throw err
      count(err.stsCode)
      for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v)
      return sendSts(res, err.status, format, 'Error', {
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

  const secretOf = (accessKeyId: string) => options.accounts.get(accessKeyId)?.accessKeySecret

  /**
   * The call's style and parameters: ACS3 (an `Authorization: ACS3-HMAC-SHA256` header, business
   * parameters in the query) or RPC (`Signature` and the rest in the query or a form body, the
   * answer in `Format`, XML when none is named, as POP does).
   */
  function readCall(req: IncomingMessage, url: URL, body: Buffer): { style: 'acs3' | 'rpc'; params: ReadonlyMap<string, string>; format: StsFormat } {
    if (hasAcs3Authorization(req)) return { style: 'acs3', params: new Map(url.searchParams), format: 'json' }
    const params = rpcParameters(url, req.headers['content-type'], body)
    if (!looksLikeRpc(params)) return { style: 'acs3', params, format: 'json' }
    return { style: 'rpc', params, format: (params.get('Format') ?? 'XML').toUpperCase() === 'JSON' ? 'json' : 'xml' }
  }

  /** The checks both styles share: the account, the request time, the nonce, the action. */
  function authenticate(call: SignedCall): { account: string } {
    const account = options.accounts.get(call.accessKeyId)
    if (!account) throw new StsFailure(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.')
    const now = options.clock().getTime()
    if (Number.isNaN(call.dateMs) || Math.abs(now - call.dateMs) > MAX_CLOCK_SKEW_MS) throw timestampExpired()
    for (const [n, at] of nonces) if (at < now - NONCE_TTL_MS) nonces.delete(n)
    const nonceKey = `${call.accessKeyId}\u0000${call.nonce}`
    if (nonces.has(nonceKey)) throw nonceUsed()
    nonces.set(nonceKey, now)
    if (call.action !== 'AssumeRole' || call.version !== '2015-04-01') throw actionNotFound()
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

  function assumeRole(params: ReadonlyMap<string, string>, account: string, requestId: string) {
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
        parsed = parseJsonOrThrow(policy)
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
    if (!options.isController?.(req.headers)) {
      return sendJson(res, 403, { Code: 'AccessDenied', Message: 'The sandbox control endpoints need the sandbox root credentials or its control token.' })
    }
    if (req.method === 'PUT' || req.method === 'POST') {
      const settings = parseFaultSettings(body)
      if (!settings) return sendJson(res, 400, { Code: 'InvalidFaults', Message: 'expected a JSON object of fault settings' })
      return sendJson(res, 200, faults.set(settings))
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

const FAULT_MODES: readonly StsFaultSettings['mode'][] = ['none', 'server-error', 'throttle', 'drop', 'hang', 'malformed', 'no-permission', 'policy-grammar']

/** Fault settings from a control request: known keys with sane values only, else undefined. */
function parseFaultSettings(body: Buffer): Partial<StsFaultSettings> | undefined {
  let parsed: unknown
  try {
    parsed = parseJsonOrThrow(body.toString('utf8') || '{}')
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(parsed)) {
    if (key === 'mode' && FAULT_MODES.includes(value as StsFaultSettings['mode'])) out.mode = value
    else if (['latencyMs', 'remaining', 'retryAfterMs'].includes(key) && typeof value === 'number' && value >= 0 && value <= 1e9) out[key] = value
    else if (key === 'probability' && typeof value === 'number' && value >= 0 && value <= 1) out.probability = value
    else return undefined
  }
  return out as Partial<StsFaultSettings>
}

function throttled(retryAfterMs: number): StsFailure {
  return new StsFailure(400, 'Throttling.User', 'Request was denied due to user flow control.', {
    'x-acs-retry-after': String(Math.max(1, Math.round(retryAfterMs))),
  })
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
