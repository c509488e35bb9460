import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { rememberSecrets } from '../helpers/secrets.js'

let t: TestApp
beforeAll(async () => {
  // A sandbox STS allowing 10 AssumeRole calls a second; ossvend paces itself to it.
  t = await buildTestApp({ sandbox: { stsRateLimitPerSecond: 10 }, sts: { deadlineMs: 10_000 } })
})
afterAll(async () => {
  await t.close()
})

describe('STS pacing against the sandbox STS', () => {
  it('35 users at once, each for the first time: all served, in four windows, none throttled', async () => {
    const issue = t.deps.issueToken
    if (!issue) throw new Error('the test app issues tokens')
    const tokens = Array.from({ length: 35 }, (_, i) => issue({ username: `pace-${i}`, scopes: ['read'] }).accessToken)
    rememberSecrets(...tokens)
    const server = t.app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    const { port } = server.address() as AddressInfo
    try {
      const before = t.sts.stats.byCode['Throttling.User'] ?? 0
      const started = performance.now()
      const answers = await Promise.all(tokens.map(async (token) => {
        const res = await fetch(`http://127.0.0.1:${port}/v1/sts?scope=read`, { headers: { authorization: `Bearer ${token}` } })
        const body = (await res.json()) as { AccessKeySecret?: string; SecurityToken?: string }
        if (body.AccessKeySecret) rememberSecrets(body.AccessKeySecret, body.SecurityToken ?? '')
        return res.status
      }))
      const seconds = (performance.now() - started) / 1000
      expect(answers.every((status) => status === 200)).toBe(true)
      expect((t.sts.stats.byCode['Throttling.User'] ?? 0) - before).toBe(0)
      // The quota is respected: calls 31-35 cannot start before three full windows have passed.
      expect(seconds).toBeGreaterThanOrEqual(3)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  }, 20_000)
})
