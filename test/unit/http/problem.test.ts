import { describe, expect, it } from 'vitest'
import * as errors from '../../../src/errors.js'
import { PROBLEMS, toProblem } from '../../../src/http/problem.js'

describe('toProblem', () => {
  it('shows the detail of exposed 4xx errors only', () => {
    expect(toProblem(new errors.ScopeUnknownError('unknown scope x'), '/v1/sts', 'r').body.detail).toBe('unknown scope x')
    expect(toProblem(new errors.AuthInvalidError('kid not found'), '/x', 'r').body.detail).toBeUndefined()
    expect(toProblem(new errors.StsUpstreamError('InvalidParameter.PolicyGrammar', 'REQ'), '/x', 'r').body).not.toHaveProperty('detail')
  })

  it('maps every 5xx to a body without detail', () => {
    for (const [code, spec] of Object.entries(PROBLEMS)) {
      if (spec.status >= 500) expect(spec.expose, code).toBe(false)
    }
    const p = toProblem(new Error('boom /etc/secret'), '/x', 'r')
    expect(p.status).toBe(500)
    expect(JSON.stringify(p.body)).not.toContain('boom')
  })

  it('adds Retry-After for throttling and unavailability', () => {
    expect(toProblem(new errors.LoginThrottledError(42), '/v1/login', 'r').headers).toEqual({ 'retry-after': '42' })
    expect(toProblem(new errors.StsUnavailableError('x', 3), '/v1/sts', 'r').headers).toEqual({ 'retry-after': '3' })
  })

  it('lists request issues with their pointers', () => {
    const p = toProblem(new errors.RequestInvalidError([{ pointer: '/username', code: 'schema.required', message: '"username" is required' }]), '/v1/login', 'r')
    expect(p.body.errors).toEqual([{ pointer: '/username', code: 'schema.required', detail: '"username" is required' }])
  })

  it('gives the access-denied reason code, never policy text', () => {
    expect(toProblem(new errors.AccessDeniedError('session-not-allowed'), '/v1/sign/url', 'r').body).toMatchObject({ code: 'ERR_ACCESS_DENIED', reason: 'session-not-allowed' })
  })
})
