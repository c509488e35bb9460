import type { Router } from 'express'
import { NotFoundError } from '../../errors.js'
import type { AppDeps } from '../deps.js'
import { GuestBody } from '../schemas/login.js'
import { validateBody } from '../validate-body.js'

/** `POST /v1/guest`: a token for a fresh guest id with the guest scope only (when enabled). */
export function guestRoutes(deps: AppDeps, router: Router): void {
  router.post('/v1/guest', validateBody(GuestBody, { optional: true }), async (req, res) => {
    const issue = deps.issueGuestToken
    if (!issue) throw new NotFoundError('guest access is not enabled')
    const { userId, ...token } = await issue(req.ip ?? 'unknown')
    deps.logger.info({ event: 'guest', user: userId, provider: 'guest' }, 'guest token issued')
    res.setHeader('Cache-Control', 'no-store')
    res.json(token)
  })
}
