import type { Router } from 'express'
import type { AppDeps } from '../deps.js'

/** Liveness says the process answers; readiness says it can vend credentials now. */
export function healthRoutes(deps: AppDeps, router: Router): void {
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' })
  })
  router.get('/readyz', (_req, res) => {
    const reasons: string[] = []
    if (deps.health.draining) reasons.push('shutting-down')
    if (deps.health.stsForbidden) reasons.push('sts-credentials-refused')
    if (deps.health.stsCircuitOpen() && deps.health.cachedCredentials() === 0) reasons.push('sts-unavailable')
    // Redis being away degrades (logins and callbacks refuse, vending goes on); it does not
    // make the instance unready, since every instance shares the same Redis.
    const store = deps.health.store()
    res.status(reasons.length === 0 ? 200 : 503).json(reasons.length === 0 ? { status: 'ready', store } : { status: 'not-ready', reasons, store })
  })
  router.get('/metrics', async (_req, res) => {
    deps.metrics.stsCircuit.set(deps.health.stsCircuitOpen() ? 1 : 0)
    deps.metrics.storeUp.set(deps.health.store() === 'redis-down' ? 0 : 1)
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics())
  })
}
