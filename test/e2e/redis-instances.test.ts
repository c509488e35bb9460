import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServerProcess, writeTestConfig, type ServerProcess } from '../helpers/process.js'
import { startRedis, type RedisProcess } from '../helpers/redis.js'
import { ROOT } from '../helpers/vectors.js'

const SECRET = randomBytes(32).toString('hex')
const LIMIT = 60

let redis: RedisProcess
let a: ServerProcess
let b: ServerProcess

async function login(server: ServerProcess, username: string, password: string): Promise<Response> {
  return fetch(`${server.url}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
}

async function token(server: ServerProcess, username: string): Promise<string> {
  const res = await login(server, username, `${username}-sandbox-password`)
  expect(res.status).toBe(200)
  return ((await res.json()) as { accessToken: string }).accessToken
}

async function sts(server: ServerProcess, accessToken: string, scope: string): Promise<Response> {
  return fetch(`${server.url}/v1/sts?scope=${scope}`, { headers: { authorization: `Bearer ${accessToken}` } })
}

/** AssumeRole calls that reached the instance's STS (the sandbox's, on loopback). */
async function stsCalls(server: ServerProcess): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text()
  return Number(/^ossvend_sts_calls_total\{outcome="ok"\} (\d+)/m.exec(text)?.[1] ?? 0)
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now()
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`not within ${timeoutMs} ms`)
}

async function store(server: ServerProcess): Promise<string> {
  return ((await (await fetch(`${server.url}/readyz`)).json()) as { store: string }).store
}

/** Both instances reconnected after a Redis restart. */
async function storeBack(): Promise<void> {
  await until(async () => (await store(a)) === 'redis' && (await store(b)) === 'redis', 10_000)
}

beforeAll(async () => {
  redis = await startRedis()
  const base = JSON.parse(readFileSync(join(ROOT, 'config.json'), 'utf8')) as { server: object }
  const config = writeTestConfig({ server: { ...base.server, userRequestsPerMinute: LIMIT }, store: { keyPrefix: `t${randomBytes(4).toString('hex')}:` } })
  const env = { REDIS_URL: redis.url, OSSVEND_JWT_SECRET: SECRET }
  ;[a, b] = await Promise.all([startServerProcess(config, env), startServerProcess(config, env)])
}, 30_000)

afterAll(async () => {
  a?.child.kill('SIGTERM')
  b?.child.kill('SIGTERM')
  await Promise.all([a?.exited(), b?.exited()])
  await redis?.stop()
})

describe('two instances sharing one Redis', () => {
  it('serves credentials fetched through A from the shared cache through B', async () => {
    const onA = await token(a, 'alice')
    const first = await sts(a, onA, 'read-write')
    expect(first.status).toBe(200)
    const fromA = (await first.json()) as { AccessKeyId: string; Expiration: string }
    const before = await stsCalls(b)
    const second = await sts(b, onA, 'read-write')
    expect(second.status).toBe(200)
    const fromB = (await second.json()) as { AccessKeyId: string; Expiration: string }
    expect(fromB.AccessKeyId).toBe(fromA.AccessKeyId)
    expect(fromB.Expiration).toBe(fromA.Expiration)
    expect(await stsCalls(b)).toBe(before)
  })

  it('makes one AssumeRole between them when both miss the same key at once', async () => {
    const accessToken = await token(a, 'bob')
    const before = (await stsCalls(a)) + (await stsCalls(b))
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => sts(i % 2 ? a : b, accessToken, 'read-write')))
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200))
    const ids = new Set(await Promise.all(answers.map(async (r) => ((await r.json()) as { AccessKeyId: string }).AccessKeyId)))
    expect(ids.size).toBe(1)
    expect((await stsCalls(a)) + (await stsCalls(b)) - before).toBe(1)
  })

  it('counts failed logins across instances', async () => {
    const username = 'alice'
    for (let i = 0; i < 5; i++) expect((await login(i % 2 ? a : b, username, 'wrong-password')).status).toBe(401)
    const res = await login(b, username, 'alice-sandbox-password')
    expect(res.status).toBe(429)
    expect(((await res.json()) as { code: string }).code).toBe('ERR_LOGIN_THROTTLED')
    await redis.restart() // clears the counters for the tests below
    await storeBack()
  })

  it('holds one per-user request limit across both instances', async () => {
    // Runs right after the restart above, so bob's count starts at zero.
    const accessToken = await token(a, 'bob')
    for (let i = 0; i < LIMIT; i++) expect((await sts(i % 2 ? a : b, accessToken, 'read')).status).toBe(200)
    const refused = await sts(a, accessToken, 'read')
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(((await refused.json()) as { code: string }).code).toBe('ERR_RATE_LIMITED')
    await redis.restart()
    await storeBack()
  })

  it('keeps no usable credential in Redis', async () => {
    const accessToken = await token(a, 'bob')
    // A scope bob has not used yet, so the shared layer stores it now (Redis was just restarted).
    const creds = (await (await sts(a, accessToken, 'write')).json()) as { AccessKeySecret: string; SecurityToken: string }
    const client = new Redis(redis.url)
    try {
      const keys = await client.keys('*')
      expect(keys.some((k) => k.includes(':cred:'))).toBe(true)
      for (const key of keys) {
        if ((await client.type(key)) !== 'string') continue
        const value = (await client.get(key)) ?? ''
        expect(value).not.toContain(creds.AccessKeySecret)
        expect(value).not.toContain(creds.SecurityToken)
        if (key.includes(':cred:')) expect(key).not.toContain('bob')
      }
    } finally {
      client.disconnect()
    }
  })

  it('when Redis dies: vending goes on, logins fail closed with 503, and both recover by themselves', async () => {
    const alice = await token(a, 'alice')
    expect((await sts(a, alice, 'read')).status).toBe(200)
    await redis.kill()
    await until(async () => (await store(a)) === 'redis-down' && (await store(b)) === 'redis-down', 5_000)

    const ready = await fetch(`${a.url}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ status: 'ready', store: 'redis-down' })
    expect(await (await fetch(`${a.url}/metrics`)).text()).toMatch(/^ossvend_store_up 0$/m)

    // Cached on A; new on B (B calls STS itself while the shared layer is away).
    expect((await sts(a, alice, 'read')).status).toBe(200)
    expect((await sts(b, alice, 'write')).status).toBe(200)

    const refused = await login(b, 'alice', 'alice-sandbox-password')
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('2')
    expect(((await refused.json()) as { code: string }).code).toBe('ERR_STORE_UNAVAILABLE')

    await redis.restart()
    const recoveredIn = await until(async () => (await login(b, 'alice', 'alice-sandbox-password')).status === 200, 5_000)
    expect(recoveredIn).toBeLessThan(5_000)
    expect(((await (await fetch(`${a.url}/readyz`)).json()) as { store: string }).store).toBe('redis')
    const logs = [...a.lines, ...b.lines, ...a.stderr, ...b.stderr].join('\n')
    expect(logs).not.toContain(SECRET)
    expect(logs).not.toContain(redis.url.replace('redis://', ''))
  })
})
