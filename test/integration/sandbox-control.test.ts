import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadSandboxRoot } from '../../src/serve.js'
import { buildTestApp, DEMO, type TestApp } from '../helpers/app.js'
import { rememberSecrets } from '../helpers/secrets.js'

let t: TestApp
let root: { accessKeyId: string; accessKeySecret: string }

beforeAll(async () => {
  t = await buildTestApp()
  root = await loadSandboxRoot(t.config.sandbox.dataDir)
  rememberSecrets(root.accessKeySecret, t.oss.controlToken)
})
afterAll(() => t.close())

const moveClock = (offsetMs: number, headers: Record<string, string> = {}) =>
  fetch(`${t.oss.url}/__sandbox/clock`, { method: 'PUT', headers, body: JSON.stringify({ offsetMs }) })

describe('the sandbox OSS control endpoint (issue 12 item 16)', () => {
  it('refuses an anonymous clock change, so an expired URL stays expired', async () => {
    const token = (await request(t.app).post('/v1/login').send(DEMO.alice)).body.accessToken as string
    const signed = await request(t.app).post('/v1/sign/url').set('authorization', `Bearer ${token}`).send({ key: 'alice/x.txt', method: 'GET', expiresIn: 1 })
    expect(signed.status).toBe(200)
    await new Promise((r) => setTimeout(r, 1200))
    const refused = await moveClock(-60_000)
    expect(refused.status).toBe(403)
    expect(await refused.text()).toMatch(/<Code>AccessDenied<\/Code>/)
    const stillExpired = await fetch(signed.body.url as string)
    expect(stillExpired.status).toBe(403)
    expect(await stillExpired.text()).toMatch(/expired/)
  })

  it('refuses a wrong token, a vended STS key id, and a wrong root secret', async () => {
    expect((await moveClock(60_000, { authorization: 'Bearer not-the-token' })).status).toBe(403)
    const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`
    expect((await moveClock(60_000, { authorization: basic(root.accessKeyId, 'wrong') })).status).toBe(403)
    expect((await moveClock(60_000, { authorization: basic('STS.someone', root.accessKeySecret) })).status).toBe(403)
    const now = await fetch(`${t.oss.url}/__sandbox/clock`, { headers: { authorization: `Bearer ${t.oss.controlToken}` } })
    expect(await now.json()).toEqual({ offsetMs: 0 })
  })

  it('moves the clock for the control token and for the root credentials, and refuses a bad body', async () => {
    const bearer = { authorization: `Bearer ${t.oss.controlToken}` }
    const moved = await moveClock(5_000, bearer)
    expect(moved.status).toBe(200)
    expect(await moved.json()).toEqual({ offsetMs: 5_000 })
    const basic = { authorization: `Basic ${Buffer.from(`${root.accessKeyId}:${root.accessKeySecret}`).toString('base64')}` }
    expect(await (await moveClock(0, basic)).json()).toEqual({ offsetMs: 0 })
    const bad = await fetch(`${t.oss.url}/__sandbox/clock`, { method: 'PUT', headers: bearer, body: '{"offsetMs":"soon"}' })
    expect(bad.status).toBe(400)
    expect(await bad.text()).toMatch(/<Code>InvalidArgument<\/Code>/)
    const notJson = await fetch(`${t.oss.url}/__sandbox/clock`, { method: 'PUT', headers: bearer, body: '{' })
    expect(notJson.status).toBe(400)
  })
})
