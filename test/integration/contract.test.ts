import { createSign, generateKeyPairSync } from 'node:crypto'
import { Validator } from '@seriousme/openapi-schema-validator'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import type { Express } from 'express'
import request, { type Response } from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/http/app.js'
import { callbackAuthString } from '../../src/oss/callback.js'
import { buildTestApp, DEMO, type TestApp } from '../helpers/app.js'
import { makeSigningKey, makeTestCa, startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.js'
import { providerSettings, writeCaFile } from '../helpers/providers.js'
import { rememberSecrets } from '../helpers/secrets.js'

/**
 * The contract: every route is driven with good and bad input, and each real answer (status,
 * media type, body, headers) must be one the generated /openapi.json documents.
 */
type Doc = { paths: Record<string, Record<string, { responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, { schema: object }> }>; security: unknown[] }>> }

let t: TestApp
let idp: TestOidcProvider
let doc: Doc
let alice: string
let rita: string
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false })
const validators = new Map<object, ValidateFunction>()
/** Every (method path status) answered during the run, to check that each operation was exercised. */
const seen = new Set<string>()

beforeAll(async () => {
  const ca = await makeTestCa()
  idp = await startOidcProvider(ca)
  idp.keys = [await makeSigningKey('k1')]
  t = await buildTestApp({ auth: {
    demoUsers: [
      { username: 'alice', password: DEMO.alice.password, scopes: ['read', 'write', 'read-write', 'levels'] },
      { username: 'rita', password: 'rita-sandbox-pw', scopes: ['read'] },
    ],
    providers: [providerSettings('idp', idp.issuer, { jwksUrl: idp.jwksUrl, caFile: writeCaFile(ca) })],
    guest: { enabled: true, scope: 'read', ttlSec: 300, perIpPerMinute: 2, perMinute: 100 },
  } })
  const raw = (await request(t.app).get('/openapi.json').expect(200)).body as object
  const validator = new Validator()
  const result = await validator.validate(raw as Parameters<Validator['validate']>[0])
  expect(result.errors ?? []).toEqual([])
  expect(result.valid).toBe(true)
  expect(validator.version).toBe('3.1')
  doc = validator.resolveRefs() as Doc
  alice = (await request(t.app).post('/v1/login').send(DEMO.alice).expect(200)).body.accessToken
  rita = (await request(t.app).post('/v1/login').send({ username: 'rita', password: 'rita-sandbox-pw' }).expect(200)).body.accessToken
  rememberSecrets(alice, rita, DEMO.alice.password)
})
afterAll(async () => {
  await t?.close()
  await idp?.close()
})

/** Checks one real answer against the document: status, media type, body schema, headers. */
function conforms(res: Response, method: string, path: string): Response {
  const operation = doc.paths[path]?.[method]
  expect(operation, `${method} ${path} is documented`).toBeDefined()
  const documented = operation?.responses[String(res.status)]
  expect(documented, `${method} ${path} documents status ${res.status}: ${res.text.slice(0, 300)}`).toBeDefined()
  seen.add(`${method} ${path} ${res.status}`)
  expect(res.headers['x-request-id']).toMatch(/^[A-Za-z0-9._:-]{1,128}$/)
  for (const name of Object.keys(documented?.headers ?? {})) {
    if (name === 'Retry-After' || name === 'WWW-Authenticate' || name === 'Content-Security-Policy') expect(res.headers[name.toLowerCase()], `${name} on ${res.status}`).toBeDefined()
  }
  const content = documented?.content
  if (!content) return res
  const mediaType = String(res.headers['content-type'] ?? '').split(';')[0] as string
  const media = content[mediaType]
  expect(media, `${method} ${path} ${res.status} documents ${mediaType} (has ${Object.keys(content).join(', ')})`).toBeDefined()
  if (mediaType.endsWith('json') && media) {
    let validate = validators.get(media.schema)
    if (!validate) validators.set(media.schema, (validate = ajv.compile(media.schema)))
    const body = JSON.parse(res.text) as unknown
    expect(validate(body) ? [] : validate.errors, `${method} ${path} ${res.status} body`).toEqual([])
  }
  return res
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1, with servers, an operationId on every operation, and security on each (public ones empty)', () => {
    const raw = doc as unknown as { servers: unknown[] }
    expect(raw.servers.length).toBeGreaterThan(0)
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => (o as { operationId?: string }).operationId))
    expect(ids.every((id) => typeof id === 'string')).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
    for (const [path, ops] of Object.entries(doc.paths)) for (const op of Object.values(ops)) expect(Array.isArray(op.security), path).toBe(true)
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs', '/v1/login', '/v1/oss/callback']) expect(Object.values(doc.paths[path] ?? {})[0]?.security).toEqual([])
    expect(doc.paths['/v1/uploads']?.get?.responses['401']).toBeDefined()
  })
})

/** Every (method, OpenAPI path) express serves, read from the app's router stack. */
function servedRoutes(app: Express): string[] {
  type Layer = { route?: { path: unknown; methods: Record<string, boolean> }; handle?: { stack?: unknown[] }; name?: string }
  const routes: string[] = []
  for (const layer of (app as unknown as { router: { stack: Layer[] } }).router.stack) {
    // A mounted router's own routes would be invisible here: extend the walk before adding one.
    expect(layer.handle?.stack, `a mounted router (${layer.name ?? 'anonymous'}) in the app's stack`).toBeUndefined()
    if (!layer.route) continue
    expect(typeof layer.route.path, 'route paths are strings').toBe('string')
    const path = (layer.route.path as string).replace(/:(\w+)/g, '{$1}')
    for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') routes.push(`${method} ${path}`)
  }
  return routes.sort()
}

describe('the document and the routes', () => {
  it('describes exactly the routes express serves, both ways', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`)).sort()
    const served = servedRoutes(t.app)
    expect(served.filter((r) => !documented.includes(r)), 'routes without a description').toEqual([])
    expect(documented.filter((r) => !served.includes(r)), 'described operations no route serves').toEqual([])
    expect(served.length).toBeGreaterThan(15)
  })
})

describe('every route answers as documented', () => {
  it('POST /v1/login (and /readyz while STS is healthy)', async () => {
    expect(conforms(await request(t.app).get('/readyz'), 'get', '/readyz').status).toBe(200)
    conforms(await request(t.app).post('/v1/login').send(DEMO.alice), 'post', '/v1/login')
    conforms(await request(t.app).post('/v1/login').send({ username: 'alice' }), 'post', '/v1/login')
    conforms(await request(t.app).post('/v1/login').send({ username: 'alice', password: 'wrong-password' }), 'post', '/v1/login')
    conforms(await request(t.app).post('/v1/login').set('content-type', 'text/plain').send('username=alice'), 'post', '/v1/login')
    conforms(await request(t.app).post('/v1/login').set('content-type', 'application/json').send('{"username":'), 'post', '/v1/login')
    const huge = await request(t.app).post('/v1/login').send({ username: 'a', password: 'x'.repeat(64 * 1024) })
    expect(conforms(huge, 'post', '/v1/login').status).toBe(413)
  })

  it('GET /v1/sts, with the mobile error form valid against the documented 200', async () => {
    const ok = conforms(await request(t.app).get('/v1/sts?scope=read').set(bearer(alice)), 'get', '/v1/sts')
    expect(ok.status).toBe(200)
    rememberSecrets(ok.body.AccessKeySecret, ok.body.SecurityToken)
    const issued = conforms(await request(t.app).post('/v1/sts/provider-url').set(bearer(alice)).send({ scope: 'read', ttl: 600 }), 'post', '/v1/sts/provider-url')
    expect(issued.status).toBe(201)
    const providerUrl = new URL(issued.body.url as string)
    rememberSecrets(providerUrl.searchParams.get('access_token') ?? undefined)
    expect(conforms(await request(t.app).get(`${providerUrl.pathname}${providerUrl.search}`), 'get', '/v1/sts').status).toBe(200)
    expect(conforms(await request(t.app).post('/v1/sts/provider-url').set(bearer(alice)).send({ ttl: 1 }), 'post', '/v1/sts/provider-url').status).toBe(400)
    expect(conforms(await request(t.app).delete(`/v1/sts/provider-url/${issued.body.id}`).set(bearer(alice)), 'delete', '/v1/sts/provider-url/{id}').status).toBe(204)
    expect(conforms(await request(t.app).delete(`/v1/sts/provider-url/${issued.body.id}x`).set(bearer(alice)), 'delete', '/v1/sts/provider-url/{id}').status).toBe(404)
    // The revoked token, in the URL: a provider's error, answered HTTP 200 in the mobile form.
    const revoked = conforms(await request(t.app).get(`${providerUrl.pathname}${providerUrl.search}`), 'get', '/v1/sts')
    expect(revoked.status).toBe(200)
    expect(revoked.body.StatusCode).toBe(401)
    expect(conforms(await request(t.app).get('/v1/sts?scope=NOT%20A%20SCOPE').set(bearer(alice)), 'get', '/v1/sts').status).toBe(400)
    expect(conforms(await request(t.app).get('/v1/sts?scope=nope').set(bearer(alice)), 'get', '/v1/sts').status).toBe(400)
    expect(conforms(await request(t.app).get('/v1/sts'), 'get', '/v1/sts').status).toBe(401)
    expect(conforms(await request(t.app).get('/v1/sts').set(bearer('not.a.token')), 'get', '/v1/sts').status).toBe(401)
    expect(conforms(await request(t.app).get('/v1/sts?scope=write').set(bearer(rita)), 'get', '/v1/sts').status).toBe(403)
    const mobile = conforms(await request(t.app).get('/v1/sts?scope=write&compat=mobile').set(bearer(rita)), 'get', '/v1/sts')
    expect(mobile.status).toBe(200)
    expect(mobile.body).toMatchObject({ StatusCode: 403, ErrorCode: 'ERR_SCOPE_FORBIDDEN' })
    t.sts.faults.set({ mode: 'no-permission' })
    try {
      const refused = conforms(await request(t.app).get('/v1/sts?scope=write').set(bearer(alice)), 'get', '/v1/sts')
      expect(refused.status).toBeGreaterThanOrEqual(500)
    } finally {
      t.sts.faults.set({ mode: 'none' })
    }
  })

  it('POST /v1/sign/url', async () => {
    const ok = conforms(await request(t.app).post('/v1/sign/url').set(bearer(alice)).send({ key: 'alice/a.txt', method: 'GET' }), 'post', '/v1/sign/url')
    expect(ok.status).toBe(200)
    const outside = conforms(await request(t.app).post('/v1/sign/url').set(bearer(alice)).send({ key: 'bob/a.txt', method: 'GET' }), 'post', '/v1/sign/url')
    expect(outside.body.code).toBe('ERR_KEY_OUTSIDE_PREFIX')
    expect(conforms(await request(t.app).post('/v1/sign/url').set(bearer(rita)).send({ key: 'rita/a.txt', method: 'PUT', scope: 'read' }), 'post', '/v1/sign/url').status).toBe(403)
    expect(conforms(await request(t.app).post('/v1/sign/url').set(bearer(alice)).send({ key: 'alice/a.txt', method: 'PATCH' }), 'post', '/v1/sign/url').status).toBe(400)
    expect(conforms(await request(t.app).post('/v1/sign/url').send({ key: 'alice/a.txt', method: 'GET' }), 'post', '/v1/sign/url').status).toBe(401)
  })

  it('POST /v1/sign/post, both shapes', async () => {
    expect(conforms(await request(t.app).post('/v1/sign/post').set(bearer(alice)).send({ dir: 'alice/photos/' }), 'post', '/v1/sign/post').status).toBe(200)
    expect(conforms(await request(t.app).post('/v1/sign/post').set(bearer(alice)).send({ key: 'alice/photos/cat.png', version: 'v1' }), 'post', '/v1/sign/post').status).toBe(200)
    expect(conforms(await request(t.app).post('/v1/sign/post').set(bearer(alice)).send({ format: 'sample', dir: 'alice/web/' }), 'post', '/v1/sign/post').status).toBe(200)
    expect(conforms(await request(t.app).post('/v1/sign/post').set(bearer(alice)).send({ dir: 'photos/' }), 'post', '/v1/sign/post').body.code).toBe('ERR_KEY_OUTSIDE_PREFIX')
    expect(conforms(await request(t.app).post('/v1/sign/post').set(bearer(alice)).send({ maxSize: 0 }), 'post', '/v1/sign/post').status).toBe(400)
  })

  it('POST /v1/oss/callback and GET /v1/uploads', async () => {
    expect(conforms(await request(t.app).post('/v1/oss/callback').set('content-type', 'application/x-www-form-urlencoded').send('bucket=b&object=alice/x'), 'post', '/v1/oss/callback').status).toBe(400)
    expect(conforms(await request(t.app).post('/v1/oss/callback').set('content-type', 'application/octet-stream').send(Buffer.alloc(80 * 1024)), 'post', '/v1/oss/callback').status).toBe(413)
    expect(conforms(await request(t.app).get('/v1/uploads').set(bearer(alice)), 'get', '/v1/uploads').status).toBe(200)
    expect(conforms(await request(t.app).get('/v1/uploads'), 'get', '/v1/uploads').status).toBe(401)
  })

  it('POST /v1/simulate: held scopes only, traces name policies, never paths', async () => {
    const ok = conforms(await request(t.app).post('/v1/simulate').set(bearer(alice)).send({ operation: 'GetObject', key: 'alice/a.txt', scope: 'read' }), 'post', '/v1/simulate')
    expect(ok.body.decision).toBe('Allow')
    expect(ok.text).not.toContain('/policies/')
    expect(ok.text).not.toMatch(/"policy":"\//)
    const names = new Set<string>(ok.body.checks.flatMap((c: { result: { layers: { statements: { policy: string }[] }[] } }) => c.result.layers.flatMap((l) => l.statements.map((s) => s.policy))))
    expect([...names].every((n) => !n.includes('/'))).toBe(true)
    const notHeld = conforms(await request(t.app).post('/v1/simulate').set(bearer(rita)).send({ operation: 'PutObject', key: 'rita/a.txt', scope: 'write' }), 'post', '/v1/simulate')
    expect(notHeld.status).toBe(403)
    expect(notHeld.body.code).toBe('ERR_SCOPE_FORBIDDEN')
    expect(conforms(await request(t.app).post('/v1/simulate').set(bearer(alice)).send({ operation: 'Nope', key: 'alice/a' }), 'post', '/v1/simulate').status).toBe(400)
    expect(conforms(await request(t.app).post('/v1/simulate').set(bearer(alice)).send({ key: 'alice/a' }), 'post', '/v1/simulate').status).toBe(400)
  })

  it('GET /v1/areas: path rules and a template scope', async () => {
    const levels = conforms(await request(t.app).get('/v1/areas?scope=levels').set(bearer(alice)), 'get', '/v1/areas')
    expect(levels.status).toBe(200)
    expect(levels.body.areas.map((a: { id: string }) => a.id)).toEqual(['public', 'protected', 'protected-mine', 'private'])
    expect(conforms(await request(t.app).get('/v1/areas').set(bearer(alice)), 'get', '/v1/areas').body.areas[0]).toMatchObject({ id: 'home', prefix: 'alice/' })
    expect(conforms(await request(t.app).get('/v1/areas?scope=levels').set(bearer(rita)), 'get', '/v1/areas').status).toBe(403)
    expect(conforms(await request(t.app).get('/v1/areas?scope=nope').set(bearer(rita)), 'get', '/v1/areas').status).toBe(400)
    expect(conforms(await request(t.app).get('/v1/areas'), 'get', '/v1/areas').status).toBe(401)
  })

  it('health, metrics, the document, the reference page and the upload page', async () => {
    conforms(await request(t.app).get('/healthz'), 'get', '/healthz')
    conforms(await request(t.app).get('/readyz'), 'get', '/readyz')
    conforms(await request(t.app).get('/metrics'), 'get', '/metrics')
    conforms(await request(t.app).get('/openapi.json'), 'get', '/openapi.json')
    const docs = conforms(await request(t.app).get('/docs'), 'get', '/docs')
    expect(docs.headers['content-security-policy']).toContain("script-src 'self'")
    conforms(await request(t.app).get('/'), 'get', '/')
  })

  it('429 with Retry-After once a user exceeds the per-user limit', async () => {
    const limited = await buildTestApp({ server: { userRequestsPerMinute: 2 } })
    try {
      const token = (await request(limited.app).post('/v1/login').send(DEMO.alice).expect(200)).body.accessToken as string
      rememberSecrets(token)
      let last: Response | undefined
      for (let i = 0; i < 3; i++) last = await request(limited.app).get('/v1/uploads').set(bearer(token))
      expect(conforms(last as Response, 'get', '/v1/uploads').status).toBe(429)
    } finally {
      await limited.close()
    }
  })

  it('POST /v1/token/refresh, POST /v1/logout', async () => {
    const session = conforms(await request(t.app).post('/v1/login').send(DEMO.alice), 'post', '/v1/login').body as { accessToken: string; refreshToken: string }
    rememberSecrets(session.accessToken, session.refreshToken)
    const next = conforms(await request(t.app).post('/v1/token/refresh').send({ refreshToken: session.refreshToken }), 'post', '/v1/token/refresh')
    expect(next.status).toBe(200)
    rememberSecrets(next.body.accessToken, next.body.refreshToken)
    expect(conforms(await request(t.app).post('/v1/token/refresh').send({ refreshToken: 'x' }), 'post', '/v1/token/refresh').status).toBe(401)
    expect(conforms(await request(t.app).post('/v1/token/refresh').send({}), 'post', '/v1/token/refresh').status).toBe(400)
    expect(conforms(await request(t.app).post('/v1/token/refresh').send({ refreshToken: 'x', extra: 1 }), 'post', '/v1/token/refresh').status).toBe(400)
    expect(conforms(await request(t.app).post('/v1/token/refresh').set('content-type', 'text/plain').send('x'), 'post', '/v1/token/refresh').status).toBe(415)
    expect(conforms(await request(t.app).post('/v1/token/refresh').set('content-type', 'application/json').send('{"refreshToken":'), 'post', '/v1/token/refresh').status).toBe(400)
    expect(conforms(await request(t.app).post('/v1/token/refresh').send({ refreshToken: 'x'.repeat(64 * 1024) }), 'post', '/v1/token/refresh').status).toBe(413)

    expect(conforms(await request(t.app).post('/v1/logout'), 'post', '/v1/logout').status).toBe(401)
    expect(conforms(await request(t.app).post('/v1/logout').set(bearer(next.body.accessToken as string)).send({ refreshToken: 7 }), 'post', '/v1/logout').status).toBe(400)
    expect(conforms(await request(t.app).post('/v1/logout').set(bearer(next.body.accessToken as string)).send({ refreshToken: next.body.refreshToken }), 'post', '/v1/logout').status).toBe(204)
    // Signed out: the token is refused from now on.
    const after = conforms(await request(t.app).post('/v1/logout').set(bearer(next.body.accessToken as string)), 'post', '/v1/logout')
    expect([after.status, after.body.code]).toEqual([401, 'ERR_AUTH_INVALID'])
    const other = (await request(t.app).post('/v1/login').send(DEMO.alice).expect(200)).body as { accessToken: string }
    rememberSecrets(other.accessToken)
    expect(conforms(await request(t.app).post('/v1/logout').set(bearer(other.accessToken)), 'post', '/v1/logout').status).toBe(204)
  })

  it('POST /v1/token/exchange', async () => {
    const subjectToken = await idp.sign({ sub: 'erin', scp: ['read'] })
    rememberSecrets(subjectToken)
    const ok = conforms(await request(t.app).post('/v1/token/exchange').send({ subjectToken }), 'post', '/v1/token/exchange')
    expect(ok.status).toBe(200)
    rememberSecrets(ok.body.accessToken, ok.body.refreshToken)
    expect(conforms(await request(t.app).post('/v1/token/exchange').send({ subjectToken }), 'post', '/v1/token/exchange').body.code).toBe('ERR_AUTH_INVALID')
    const expired = await idp.sign({ sub: 'erin' }, { iatOffsetSec: -3600, expiresInSec: 600 })
    rememberSecrets(expired)
    expect(conforms(await request(t.app).post('/v1/token/exchange').send({ subjectToken: expired }), 'post', '/v1/token/exchange').body.code).toBe('ERR_AUTH_EXPIRED')
    expect(conforms(await request(t.app).post('/v1/token/exchange').send({ subjectToken: '' }), 'post', '/v1/token/exchange').status).toBe(400)
    expect(conforms(await request(t.app).post('/v1/token/exchange').set('content-type', 'text/plain').send('x'), 'post', '/v1/token/exchange').status).toBe(415)
    // The provider's key set unusable (an unknown kid, past the refetch cooldown): a 401 with its own code.
    idp.jwksStatus = 500
    t.advance(31_000)
    try {
      const other = await idp.sign({ sub: 'erin' }, { key: await makeSigningKey('k9') })
      rememberSecrets(other)
      const down = conforms(await request(t.app).post('/v1/token/exchange').send({ subjectToken: other }), 'post', '/v1/token/exchange')
      expect([down.status, down.body.code]).toEqual([401, 'ERR_IDP_UNAVAILABLE'])
    } finally {
      idp.jwksStatus = 200
    }
    const without = await buildTestApp()
    try {
      expect(conforms(await request(without.app).post('/v1/token/exchange').send({ subjectToken }), 'post', '/v1/token/exchange').status).toBe(404)
      expect(conforms(await request(without.app).post('/v1/guest'), 'post', '/v1/guest').status).toBe(404)
    } finally {
      await without.close()
    }
  })

  it('POST /v1/guest', async () => {
    const ok = conforms(await request(t.app).post('/v1/guest'), 'post', '/v1/guest')
    expect(ok.status).toBe(200)
    rememberSecrets(ok.body.accessToken)
    expect(conforms(await request(t.app).post('/v1/guest').send({ name: 'x' }), 'post', '/v1/guest').status).toBe(400)
    expect(conforms(await request(t.app).post('/v1/guest').send({}), 'post', '/v1/guest').status).toBe(200)
    const limited = conforms(await request(t.app).post('/v1/guest'), 'post', '/v1/guest')
    expect([limited.status, limited.body.code]).toEqual([429, 'ERR_RATE_LIMITED'])
    expect(conforms(await request(t.app).post('/v1/guest').set('content-type', 'text/plain').send('x'), 'post', '/v1/guest').status).toBe(415)
  })

  it('POST /v1/oss/callback: a verified upload, signed as OSS signs it', async () => {
    // What OSS does (see callback.test.ts): RSA-MD5 over path and body with its key, the key's URL in a header.
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
    const app = createApp({ ...t.deps, fetchCallbackKey: async () => pem, headObject: async () => ({ size: 42, etag: '"ETAG1"', contentType: 'image/png', crc64: '11051210869376104954' }) })
    const form = await request(app).post('/v1/sign/post').set(bearer(alice)).send({ dir: 'alice/pics/' }).expect(200)
    const callback = JSON.parse(Buffer.from(form.body.fields.find((f: { name: string }) => f.name === 'callback').value as string, 'base64').toString()) as { callbackUrl: string; callbackBody: string; callbackBodyType: string }
    const values: Record<string, string> = { bucket: 'app-base-oss', object: 'alice/pics/cat.png', size: '42', mimeType: 'image/png', etag: 'ETAG1', crc64: '11051210869376104954' }
    const body = callback.callbackBody.replace(/\$\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? ''))
    const path = new URL(callback.callbackUrl).pathname
    const send = (signature: string) =>
      request(app).post(path).set('content-type', callback.callbackBodyType).set('authorization', signature)
        .set('x-oss-pub-key-url', Buffer.from('https://gosspublic.alicdn.com/callback_pub_key_v1.pem').toString('base64')).send(body)
    const signature = createSign('RSA-MD5').update(callbackAuthString(path, '', Buffer.from(body))).sign(privateKey).toString('base64')
    expect(conforms(await send(signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))), 'post', '/v1/oss/callback').status).toBe(400)
    const ok = conforms(await send(signature), 'post', '/v1/oss/callback')
    expect(ok.status).toBe(200)
    expect(ok.body).toMatchObject({ Status: 'OK', key: 'alice/pics/cat.png' })
    expect(conforms(await send(signature), 'post', '/v1/oss/callback').status).toBe(409)
  })

  it('the page\'s and the reference\'s files', async () => {
    expect(conforms(await request(t.app).get('/assets/js/main.js'), 'get', '/assets/js/{name}').status).toBe(200)
    expect(conforms(await request(t.app).get('/assets/js/nope.js'), 'get', '/assets/js/{name}').status).toBe(404)
    expect(conforms(await request(t.app).get('/assets/app.css'), 'get', '/assets/{name}').status).toBe(200)
    expect(conforms(await request(t.app).get('/assets/nope.js'), 'get', '/assets/{name}').status).toBe(404)
    // The page imports crc64.js; every module it imports, relative to /assets/, is served too.
    const pending = ['crc64.js']
    const served = new Set<string>()
    for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
      const res = await request(t.app).get(`/assets/${name}`)
      expect(res.status, name).toBe(200)
      served.add(name)
      for (const [, imported] of res.text.matchAll(/from '\.\/([\w.-]+\.js)'/g)) if (imported && !served.has(imported)) pending.push(imported)
    }
    expect([...served].sort()).toEqual(['crc64-wasm.js', 'crc64.js', 'wasm-emit.js'])
    expect(conforms(await request(t.app).get('/docs/docs.js'), 'get', '/docs/{name}').status).toBe(200)
    expect(conforms(await request(t.app).get('/docs/swagger-ui.css'), 'get', '/docs/{name}').status).toBe(200)
    expect(conforms(await request(t.app).get('/docs/..%2Fpackage.json'), 'get', '/docs/{name}').status).toBe(404)
  })

  it('exercised every documented operation with at least one success', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) expect([...seen].some((s) => s.startsWith(`${method} ${path} 2`)), `${method} ${path}`).toBe(true)
    }
  })
})
