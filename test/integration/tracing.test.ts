import { context, propagation, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, DEMO, type TestApp } from '../helpers/app.js'
import { startRedis, type RedisProcess } from '../helpers/redis.js'
import { rememberSecrets } from '../helpers/secrets.js'

// What an operator does to see ossvend's spans: register an SDK tracer provider (here with an
// in-memory exporter instead of OTLP), a context manager and the W3C propagator (what
// @opentelemetry/sdk-node registers): without them no span knows its parent across an await, and
// an incoming traceparent starts no trace.
const contextManager = new AsyncLocalStorageContextManager()
const exporter = new InMemorySpanExporter()
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
let t: TestApp
let redis: RedisProcess

beforeAll(async () => {
  context.setGlobalContextManager(contextManager.enable())
  propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  trace.setGlobalTracerProvider(provider)
  redis = await startRedis()
  t = await buildTestApp({ store: { redisUrl: redis.url, keyPrefix: 'trace-test:' }, sts: { attemptTimeoutMs: 400, deadlineMs: 3000, maxAttempts: 3 } })
})
afterAll(async () => {
  await t?.close()
  await redis?.stop()
  trace.disable()
  context.disable()
  propagation.disable()
  await provider.shutdown()
})

describe('tracing through @opentelemetry/api', () => {
  it('has spans for the inbound request, AssumeRole with its retries, and Redis commands', async () => {
    const login = await request(t.app).post('/v1/login').send(DEMO.alice).expect(200)
    rememberSecrets(login.body.accessToken, DEMO.alice.password)
    t.sts.faults.set({ mode: 'server-error', remaining: 1 })
    exporter.reset()
    const res = await request(t.app).get('/v1/sts?scope=write').set('authorization', `Bearer ${login.body.accessToken}`).set('traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01').expect(200)
    rememberSecrets(res.body.AccessKeySecret, res.body.SecurityToken)
    expect(res.headers['x-request-id']).toBe('4bf92f3577b34da6a3ce929d0e0e4736')
    const spans = exporter.getFinishedSpans()
    const names = spans.map((s) => s.name)
    const inbound = spans.find((s) => s.name === 'GET /v1/sts')
    expect(inbound?.attributes['http.route']).toBe('/v1/sts')
    expect(inbound?.attributes['http.response.status_code']).toBe(200)
    // One failed attempt (5xx) and the retry that succeeded.
    expect(names.filter((n) => n === 'sts.AssumeRole')).toHaveLength(2)
    const vend = spans.find((s) => s.name === 'ossvend.vend')
    expect(vend?.attributes['ossvend.cache']).toBe('miss')
    expect(names.some((n) => n.startsWith('redis '))).toBe(true)
    // One trace, the caller's: the request span under the incoming traceparent, vending under the
    // request, and each AssumeRole attempt and the shared cache's Redis commands under vending.
    const parentOf = (s: (typeof spans)[number]) => s.parentSpanContext?.spanId
    expect(spans.every((s) => s.spanContext().traceId === '4bf92f3577b34da6a3ce929d0e0e4736')).toBe(true)
    expect(parentOf(inbound as (typeof spans)[number])).toBe('00f067aa0ba902b7')
    expect(parentOf(vend as (typeof spans)[number])).toBe(inbound?.spanContext().spanId)
    const attempts = spans.filter((s) => s.name === 'sts.AssumeRole')
    expect(attempts.map(parentOf)).toEqual([vend?.spanContext().spanId, vend?.spanContext().spanId])
    const redisUnderVend = spans.filter((s) => s.name.startsWith('redis ') && parentOf(s) === vend?.spanContext().spanId)
    expect(redisUnderVend.map((s) => s.name)).toEqual(expect.arrayContaining(['redis exec']))
    // Spans name operations, never secrets or tokens.
    expect(JSON.stringify(spans.map((s) => [s.name, s.attributes]))).not.toContain(login.body.accessToken)
  })
})
