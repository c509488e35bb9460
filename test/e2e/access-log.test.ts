import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { startServerProcess, writeTestConfig, type ServerProcess } from '../helpers/process.js'

let server: ServerProcess | undefined
afterAll(() => server?.child.kill('SIGKILL'))

interface Call {
  readonly method: string
  readonly path: string
  readonly body?: string
  readonly type?: string
  readonly auth?: boolean
  readonly headers?: Record<string, string>
  /** The route template the access line must name. */
  readonly route: string
}

describe('logs of a real server process', () => {
  it('every stdout line is JSON except the three listener lines, and each request has its access line with its request id', async () => {
    server = await startServerProcess(writeTestConfig())
    const login = await fetch(`${server.url}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'log-test-login' }, body: JSON.stringify({ username: 'alice', password: 'alice-sandbox-password' }) })
    const token = ((await login.json()) as { accessToken: string }).accessToken
    const json = 'application/json'
    const calls: Call[] = [
      { method: 'GET', path: '/v1/sts?scope=read', auth: true, route: '/v1/sts' },
      { method: 'GET', path: '/v1/sts?scope=BAD', auth: true, route: '/v1/sts' },
      { method: 'GET', path: '/v1/sts?scope=read&compat=mobile', route: '/v1/sts' },
      { method: 'GET', path: '/v1/sts?scope=nope', auth: true, route: '/v1/sts' },
      { method: 'POST', path: '/v1/sign/url', auth: true, type: json, body: JSON.stringify({ key: 'alice/a.txt', method: 'GET' }), route: '/v1/sign/url' },
      { method: 'POST', path: '/v1/sign/url', auth: true, type: json, body: JSON.stringify({ key: 'bob/a.txt', method: 'GET' }), route: '/v1/sign/url' },
      { method: 'POST', path: '/v1/sign/post', auth: true, type: json, body: JSON.stringify({ dir: 'alice/web/' }), route: '/v1/sign/post' },
      { method: 'POST', path: '/v1/simulate', auth: true, type: json, body: JSON.stringify({ operation: 'GetObject', key: 'alice/a.txt' }), route: '/v1/simulate' },
      { method: 'POST', path: '/v1/login', type: json, body: JSON.stringify({ username: 'alice', password: 'wrong-password' }), route: '/v1/login' },
      { method: 'POST', path: '/v1/login', type: 'text/plain', body: 'hello', route: 'unmatched' },
      { method: 'POST', path: '/v1/oss/callback', type: 'application/x-www-form-urlencoded', body: 'object=alice/x', route: '/v1/oss/callback' },
      { method: 'GET', path: '/v1/uploads', auth: true, route: '/v1/uploads' },
      { method: 'GET', path: '/healthz', route: '/healthz' },
      { method: 'GET', path: '/readyz', route: '/readyz' },
      { method: 'GET', path: '/metrics', route: '/metrics' },
      { method: 'GET', path: '/openapi.json', route: '/openapi.json' },
      { method: 'GET', path: '/docs', route: '/docs' },
      { method: 'GET', path: '/', route: '/' },
      { method: 'GET', path: '/no/such/thing', route: 'unmatched' },
    ]
    const ids: { id: string; call: Call; status: number }[] = []
    for (const call of calls) {
      const id = `log-${randomBytes(6).toString('hex')}`
      const headers: Record<string, string> = { 'x-request-id': id, ...(call.type ? { 'content-type': call.type } : {}), ...(call.auth ? { authorization: `Bearer ${token}` } : {}) }
      const res = await fetch(`${server.url}${call.path}`, { method: call.method, headers, ...(call.body ? { body: call.body } : {}) })
      await res.arrayBuffer()
      expect(res.headers.get('x-request-id'), call.path).toBe(id)
      ids.push({ id, call, status: res.status })
    }
    // A traceparent's trace id is adopted; an invalid X-Request-Id is replaced, not echoed.
    const traced = await fetch(`${server.url}/healthz`, { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } })
    expect(traced.headers.get('x-request-id')).toBe('0af7651916cd43dd8448eb211c80319c')
    const bad = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'has spaces and "quotes"' } })
    const madeUp = bad.headers.get('x-request-id') ?? ''
    expect(madeUp).toMatch(/^[0-9a-f-]{30}$/)

    server.child.kill('SIGTERM')
    expect(await server.exited()).toBe(0)
    const [first, second, third, ...rest] = server.lines.filter((l) => l !== '')
    expect(first).toMatch(/^ossvend listening on http:\/\/127\.0\.0\.1:\d+$/)
    expect(second).toMatch(/^sandbox sts on http:\/\/127\.0\.0\.1:\d+$/)
    expect(third).toMatch(/^sandbox oss on http:\/\/127\.0\.0\.1:\d+$/)
    const records = rest.map((line) => {
      expect(() => JSON.parse(line), line).not.toThrow()
      return JSON.parse(line) as Record<string, unknown>
    })
    const access = records.filter((r) => r.msg === 'request')
    for (const { id, call, status } of ids) {
      const lines = access.filter((r) => r.requestId === id)
      expect(lines, `${call.method} ${call.path}`).toHaveLength(1)
      const line = lines[0] as Record<string, unknown>
      expect(line).toMatchObject({ level: 30 + (status >= 500 ? 20 : 0), method: call.method, route: call.route, status })
      expect(typeof line.ms).toBe('number')
      if (call.auth) expect(line.user).toBe('alice')
      if (status >= 400 && status < 500) {
        expect(typeof line.code).toBe('string')
        expect(line.err).toBeUndefined()
      }
      expect(JSON.stringify(line)).not.toContain(token)
    }
    expect(access.filter((r) => r.requestId === 'log-test-login')).toHaveLength(1)
    expect(access.filter((r) => r.requestId === '0af7651916cd43dd8448eb211c80319c')).toHaveLength(1)
    expect(access.filter((r) => r.requestId === madeUp)).toHaveLength(1)
    expect(access.find((r) => r.requestId === ids[2]?.id)).toMatchObject({ route: '/v1/sts', status: 200, code: 'ERR_AUTH_REQUIRED' })
    // Nothing on stdout holds a stack trace: every error here was expected.
    expect(rest.join('\n')).not.toMatch(/\\n\s+at /)
  })
})
