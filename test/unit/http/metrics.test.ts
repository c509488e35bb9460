import { describe, expect, it } from 'vitest'
import { createMetrics } from '../../../src/http/metrics.js'

describe('counters counted per request', () => {
  it('read exactly through the registry and the counter, a series appearing only once counted', async () => {
    const metrics = createMetrics()
    const ok = metrics.httpRequestsChild({ route: '/v1/sts', method: 'GET', status: '200' })
    const hit = metrics.credentialCacheChild({ result: 'hit' })
    const vended = metrics.credentialsVendedChild({ scope: 'read', cache: 'hit' })
    expect(await metrics.registry.metrics()).not.toContain('route="/v1/sts"')
    for (let i = 0; i < 3; i++) ok.inc()
    hit.inc()
    metrics.httpRequests.inc({ route: '/v1/sts', method: 'GET', status: '200' })
    let text = await metrics.registry.metrics()
    expect(text).toContain('ossvend_http_requests_total{route="/v1/sts",method="GET",status="200"} 4')
    expect(text).toContain('ossvend_credential_cache_total{result="hit"} 1')
    expect(text).not.toContain('ossvend_credentials_vended_total{')
    ok.inc()
    vended.inc()
    vended.inc()
    expect((await metrics.httpRequests.get()).values).toEqual([{ labels: { route: '/v1/sts', method: 'GET', status: '200' }, value: 5 }])
    text = await metrics.registry.metrics()
    expect(text).toContain('ossvend_http_requests_total{route="/v1/sts",method="GET",status="200"} 5')
    expect(text).toContain('ossvend_credentials_vended_total{scope="read",cache="hit"} 2')
  })
})
