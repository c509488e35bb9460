import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, capturedLogs, DEMO, type TestApp } from '../helpers/app.js'
import { rememberSecrets } from '../helpers/secrets.js'

let t: TestApp
let token: string
beforeAll(async () => {
  t = await buildTestApp({ sts: { attemptTimeoutMs: 300, deadlineMs: 700, maxAttempts: 2 } })
  const login = await request(t.app).post('/v1/login').send(DEMO.alice).expect(200)
  token = login.body.accessToken as string
  rememberSecrets(token, DEMO.alice.password)
})
afterAll(async () => {
  t.deps.logger.level = 'debug'
  await t.close()
})

/** The access lines written for one request id since the test began. */
async function accessLines(requestId: string): Promise<Record<string, unknown>[]> {
  // morgan writes when the response has finished; give that tick a moment.
  await new Promise((resolve) => setTimeout(resolve, 20))
  return capturedLogs
    .join('')
    .split('\n')
    .filter((line) => line.includes(requestId))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((record) => record.msg === 'request')
}

describe('access lines by log level', () => {
  it('at warn, a 2xx or 4xx request leaves no access line and a 5xx one still does, with its fields', async () => {
    t.deps.logger.level = 'warn'
    await request(t.app).get('/v1/sts?scope=read').set('authorization', `Bearer ${token}`).set('x-request-id', 'level-warn-ok').expect(200)
    await request(t.app).get('/v1/sts?scope=nope').set('authorization', `Bearer ${token}`).set('x-request-id', 'level-warn-400').expect(400)
    expect(await accessLines('level-warn-ok')).toEqual([])
    expect(await accessLines('level-warn-400')).toEqual([])

    t.sts.faults.set({ mode: 'server-error' })
    try {
      await request(t.app).get('/v1/sts?scope=write').set('authorization', `Bearer ${token}`).set('x-request-id', 'level-warn-503').expect(503)
    } finally {
      t.sts.faults.set({ mode: 'none' })
    }
    const [line, ...more] = await accessLines('level-warn-503')
    expect(more).toEqual([])
    expect(line).toMatchObject({ level: 50, requestId: 'level-warn-503', method: 'GET', route: '/v1/sts', path: '/v1/sts', status: 503, user: 'alice', scope: 'write', code: 'ERR_STS_UNAVAILABLE' })
    expect(typeof line?.ms).toBe('number')
    expect(line?.ms as number).toBeGreaterThan(0)
  })

  it('at info, every request has exactly one line, and one whose client left says so', async () => {
    t.deps.logger.level = 'info'
    await request(t.app).get('/v1/sts?scope=read').set('authorization', `Bearer ${token}`).set('x-request-id', 'level-info-ok').expect(200)
    expect(await accessLines('level-info-ok')).toMatchObject([{ level: 30, status: 200, route: '/v1/sts', user: 'alice', scope: 'read' }])

    // A client that goes away while STS hangs.
    t.sts.faults.set({ mode: 'hang' })
    const server = t.app.listen(0, '127.0.0.1')
    try {
      await new Promise((resolve) => server.once('listening', resolve))
      const { port } = server.address() as AddressInfo
      await new Promise<void>((resolve) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/v1/sts?scope=write', headers: { authorization: `Bearer ${token}`, 'x-request-id': 'level-info-gone' } })
        req.on('error', () => resolve())
        req.end()
        setTimeout(() => {
          req.destroy()
          resolve()
        }, 100)
      })
      await new Promise((resolve) => setTimeout(resolve, 1000))
    } finally {
      t.sts.faults.set({ mode: 'none' })
      await new Promise((resolve) => server.close(resolve))
    }
    const [gone, ...more] = await accessLines('level-info-gone')
    expect(more).toEqual([])
    expect(gone).toMatchObject({ route: '/v1/sts', aborted: true })
    expect(typeof gone?.ms).toBe('number')
  })
})
