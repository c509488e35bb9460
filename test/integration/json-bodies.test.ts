import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, DEMO, type TestApp } from '../helpers/app.js'
import { rememberSecrets } from '../helpers/secrets.js'

// Issue 12 items 1 and 4: request bodies go through the same JSON scan as policies and config.
let t: TestApp
beforeAll(async () => {
  t = await buildTestApp({ auth: { loginThrottle: { perUserFailures: 1, perIpFailures: 100, windowSec: 60 } } })
  rememberSecrets(DEMO.alice.password)
})
afterAll(async () => {
  await t.close()
})

const post = (body: string) => request(t.app).post('/v1/login').set('content-type', 'application/json').send(body)

describe('JSON request bodies', () => {
  it.each([
    ['a "__proto__" key', `{"username":"alice","password":"x","__proto__":{"admin":true}}`, '/__proto__', 'json.forbidden-key'],
    ['an escaped "__proto__" key', `{"username":"alice","password":"x","\\u005f_proto__":{}}`, '/__proto__', 'json.forbidden-key'],
    ['a nested "constructor" key', `{"username":"alice","password":"x","extra":{"constructor":{"prototype":1}}}`, '/extra/constructor', 'json.forbidden-key'],
    ['a duplicate key', `{"username":"bob","password":"x","username":"alice"}`, '/username', 'json.duplicate-key'],
    ['too deep a nesting', `{"username":${'['.repeat(100)}${']'.repeat(100)}}`, `/username${'/0'.repeat(63)}`, 'json.too-deep'],
  ])('refuses %s with 400 and the pointer', async (_what, body, pointer, code) => {
    const res = await post(body)
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ code: 'ERR_REQUEST_INVALID', errors: [{ pointer, code }] })
  })

  it('did not count the refused bodies as login attempts', async () => {
    // perUserFailures is 1: had any refused body reached the password check, alice would be throttled.
    const res = await post(JSON.stringify(DEMO.alice))
    expect(res.status).toBe(200)
    rememberSecrets(res.body.accessToken)
  })
})
