import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'
import { buildTestApp, DEMO, type ConfigPatch, type TestApp } from '../helpers/app.js'
import { rememberSecrets } from '../helpers/secrets.js'

const apps: TestApp[] = []
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close()
})

async function setup(patch: ConfigPatch = {}) {
  const t = await buildTestApp({ ...patch, sts: { attemptTimeoutMs: 400, deadlineMs: 1200, maxAttempts: 3, ...patch.sts } })
  apps.push(t)
  const login = await request(t.app).post('/v1/login').send(DEMO.alice).expect(200)
  rememberSecrets(login.body.accessToken, DEMO.alice.password)
  const get = (scope = 'read') => request(t.app).get(`/v1/sts?scope=${scope}`).set('authorization', `Bearer ${login.body.accessToken}`)
  return { t, get }
}

describe('STS faults', () => {
  it('a hanging STS: 503 with Retry-After within the deadline', async () => {
    const { t, get } = await setup()
    t.sts.faults.set({ mode: 'hang' })
    const started = Date.now()
    const res = await get().expect(503)
    expect(Date.now() - started).toBeLessThan(2000)
    expect(res.body).toMatchObject({ code: 'ERR_STS_UNAVAILABLE', StatusCode: 503 })
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    // The request id is random hex and may hold "1234" by chance; everything else must not.
    const { requestId: _requestId, ...rest } = res.body as Record<string, unknown>
    expect(JSON.stringify(rest)).not.toMatch(/127\.0\.0\.1|acs:ram|Timeout|1234/)
  })

  it('5xx twice, then success: 200 after three attempts', async () => {
    const { t, get } = await setup()
    t.sts.faults.set({ mode: 'server-error', remaining: 2 })
    const res = await get().expect(200)
    rememberSecrets(res.body.AccessKeySecret, res.body.SecurityToken)
    expect(t.sts.stats.byCode).toMatchObject({ ServiceUnavailable: 2, OK: 1 })
  })

  it('a dropped connection is retried', async () => {
    const { t, get } = await setup()
    t.sts.faults.set({ mode: 'drop', remaining: 1 })
    await get().expect(200)
    expect(t.sts.stats.byCode.Dropped).toBe(1)
  })

  it('throttling with x-acs-retry-after is waited out', async () => {
    const { t, get } = await setup({ sts: { deadlineMs: 3000, attemptTimeoutMs: 1000 } })
    t.sts.faults.set({ mode: 'throttle', remaining: 1, retryAfterMs: 600 })
    const started = Date.now()
    await get().expect(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(550)
  })

  it('a grammar rejection is not retried: one call, 502, nothing leaked', async () => {
    const { t, get } = await setup()
    t.sts.faults.set({ mode: 'policy-grammar' })
    const res = await get().expect(502)
    expect(res.body.code).toBe('ERR_STS_UPSTREAM')
    expect(res.body.detail).toBeUndefined()
    expect(JSON.stringify(res.body)).not.toContain('PolicyGrammar')
    expect(t.sts.stats.requests).toBe(1)
  })

  it('NoPermission is not retried, answers 503 and makes the server not ready', async () => {
    const { t, get } = await setup()
    t.sts.faults.set({ mode: 'no-permission' })
    await get().expect(503)
    expect(t.sts.stats.requests).toBe(1)
    const ready = await request(t.app).get('/readyz').expect(503)
    expect(ready.body).toEqual({ status: 'not-ready', reasons: ['sts-credentials-refused'], store: 'memory' })
  })

  it('a malformed answer is a 503 and is not cached', async () => {
    const { t, get } = await setup({ sts: { maxAttempts: 1 } })
    t.sts.faults.set({ mode: 'malformed', remaining: 1 })
    await get().expect(503)
    const res = await get().expect(200)
    expect(res.body.AccessKeyId).toMatch(/^STS\./)
    expect(t.sts.stats.issued).toBe(1)
  })

  it('opens the circuit under sustained failure: STS sees no calls while open, cached users are still served', async () => {
    const { t, get } = await setup({ sts: { maxAttempts: 1 } })
    const cached = await get('read').expect(200)
    t.sts.faults.set({ mode: 'server-error' })
    for (let i = 0; i < 5; i++) await get('write').expect(503)
    const callsWhenOpen = t.sts.stats.requests
    for (let i = 0; i < 5; i++) {
      const res = await get('write').expect(503)
      expect(res.body.code).toBe('ERR_STS_UNAVAILABLE')
    }
    expect(t.sts.stats.requests).toBe(callsWhenOpen)
    const still = await get('read').expect(200)
    expect(still.body.AccessKeyId).toBe(cached.body.AccessKeyId)
    const metrics = await request(t.app).get('/metrics').expect(200)
    expect(metrics.text).toMatch(/ossvend_sts_circuit_open 1/)
    expect(metrics.text).toMatch(/ossvend_sts_calls_total\{outcome="circuit-open"\} 5/)
    await request(t.app).get('/readyz').expect(200)
  })
})
