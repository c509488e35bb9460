import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { ROOT } from '../helpers/vectors.js'

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
})
afterAll(() => t.close())

/** The label sets of one metric in the exposition text. */
function labelSets(text: string, metric: string): Set<string> {
  return new Set(text.split('\n').filter((l) => l.startsWith(`${metric}{`)).map((l) => l.slice(metric.length, l.lastIndexOf('}') + 1)))
}

const randomPath = () => `/${Array.from({ length: 1 + Math.floor(Math.random() * 4) }, () => Math.random().toString(36).slice(2, 2 + Math.floor(Math.random() * 10) + 1)).join('/')}`

describe('metrics', () => {
  it('labels unmatched paths "unmatched": 1,000 random paths leave the label set unchanged', async () => {
    // One of each kind first, so every label set the random paths could use exists.
    await request(t.app).get('/no/such/path')
    await request(t.app).post('/no/such/path').send({})
    await request(t.app).post('/no/such/path').set('content-type', 'text/plain').send('x')
    const before = await request(t.app).get('/metrics').expect(200)
    const requestsBefore = labelSets(before.text, 'ossvend_http_requests_total')
    const durationBefore = labelSets(before.text, 'ossvend_http_request_duration_seconds_count')
    for (let i = 0; i < 1000; i++) {
      const path = randomPath()
      const r = i % 3 === 0 ? await request(t.app).post(path).send({ a: i }) : i % 3 === 1 ? await request(t.app).post(path).set('content-type', 'text/plain').send('x') : await request(t.app).get(path)
      expect([404, 415]).toContain(r.status)
    }
    const after = await request(t.app).get('/metrics').expect(200)
    // /metrics itself was counted once more; no new label set appeared.
    expect(labelSets(after.text, 'ossvend_http_requests_total')).toEqual(new Set([...requestsBefore, '{route="/metrics",method="GET",status="200"}']))
    expect(labelSets(after.text, 'ossvend_http_request_duration_seconds_count')).toEqual(new Set([...durationBefore, '{route="/metrics"}']))
    expect(after.text).toContain('route="unmatched"')
    expect(after.text).not.toMatch(/route="\/(?!v1\/|metrics|healthz|readyz|openapi|docs|assets)[^"]/)
  })

  it('the Grafana dashboard is valid JSON and every metric it names exists in /metrics', async () => {
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'docs', 'grafana-dashboard.json'), 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] }
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(8)
    const text = (await request(t.app).get('/metrics').expect(200)).text
    const named = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((target) => target.expr.match(/ossvend_[a-z_]+/g) ?? [])))
    expect(named.size).toBeGreaterThanOrEqual(10)
    for (const name of named) {
      const base = name.replace(/_(bucket|sum|count)$/, '')
      expect(text, name).toContain(`# TYPE ${base} `)
    }
    for (const wanted of ['ossvend_upload_callbacks_total', 'ossvend_signatures_issued_total', 'ossvend_credentials_vended_total', 'ossvend_logins_total', 'ossvend_http_request_duration_seconds_bucket']) expect(named).toContain(wanted)
  })
})
