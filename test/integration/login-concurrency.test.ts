import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, DEMO, type TestApp } from '../helpers/app.js'
import { startRedis, type RedisProcess } from '../helpers/redis.js'
import { rememberSecrets } from '../helpers/secrets.js'

let redis: RedisProcess
beforeAll(async () => {
  redis = await startRedis()
  rememberSecrets(DEMO.alice.password)
})
afterAll(() => redis?.stop())

async function listen(t: TestApp): Promise<{ url: string; server: Server }> {
  const server = t.app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

const login = (url: string, password: string) =>
  fetch(`${url}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password }) })

/**
 * 16 simultaneous logins for one account, 15 wrong and 1 right, against a budget of 5. A real
 * scrypt cost (2^14) keeps every hash in flight while the others arrive, as in production.
 */
async function burst(t: TestApp): Promise<void> {
  const { url, server } = await listen(t)
  try {
    const passwords = Array.from({ length: 16 }, (_, i) => (i === 15 ? DEMO.alice.password : `wrong-password-${i}`))
    const answers = await Promise.all(passwords.map((p) => login(url, p)))
    const statuses = answers.map((a) => a.status)
    for (const a of answers) await a.text()
    // Exactly the budget was heard; everything else was refused before its hash was computed.
    expect(statuses.filter((s) => s !== 429)).toHaveLength(5)
    expect(statuses.filter((s) => s === 429)).toHaveLength(11)
    expect(statuses.every((s) => s === 401 || s === 429 || s === 200)).toBe(true)
    // Unless the right password was among the five heard, the budget is spent: it is refused now too.
    if (!statuses.includes(200)) {
      const right = await login(url, DEMO.alice.password)
      expect(right.status).toBe(429)
      expect(((await right.json()) as { code: string }).code).toBe('ERR_LOGIN_THROTTLED')
    }
  } finally {
    await new Promise((resolve) => server.close(resolve))
  }
}

const throttle = { loginThrottle: { perUserFailures: 5, perIpFailures: 1000, windowSec: 900 }, scryptLog2N: 14 }

describe('login throttling under concurrency', () => {
  it('reserves each attempt before hashing, in memory', async () => {
    const t = await buildTestApp({ auth: throttle })
    try {
      await burst(t)
    } finally {
      await t.close()
    }
  })

  it('reserves each attempt before hashing, in Redis shared by two instances', async () => {
    const store = { redisUrl: redis.url, keyPrefix: 'login-burst:' }
    const t = await buildTestApp({ auth: throttle, store })
    try {
      await burst(t)
      // A second instance on the same Redis sees the spent budget.
      const other = await buildTestApp({ auth: throttle, store })
      try {
        const { url, server } = await listen(other)
        const res = await login(url, DEMO.alice.password)
        await new Promise((resolve) => server.close(resolve))
        expect(res.status).toBe(429)
      } finally {
        await other.close()
      }
    } finally {
      await t.close()
    }
  })

  it('refuses the right password once wrong ones spent the budget, and a success gives the budget back', async () => {
    const t = await buildTestApp({ auth: { loginThrottle: { perUserFailures: 3, perIpFailures: 1000, windowSec: 900 } } })
    try {
      const { url, server } = await listen(t)
      expect((await login(url, DEMO.alice.password)).status).toBe(200)
      expect((await login(url, 'wrong-password-1')).status).toBe(401)
      expect((await login(url, DEMO.alice.password)).status).toBe(200)
      for (let i = 0; i < 3; i++) expect((await login(url, 'wrong-password-2')).status).toBe(401)
      expect((await login(url, DEMO.alice.password)).status).toBe(429)
      await new Promise((resolve) => server.close(resolve))
    } finally {
      await t.close()
    }
  })
})
