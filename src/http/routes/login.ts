import type { Router } from 'express'
import { LoginFailedError, LoginThrottledError, NotFoundError } from '../../errors.js'
import type { AppDeps } from '../deps.js'
import { validateBody } from '../validate-body.js'
import { LoginBody } from '../schemas/login.js'

/**
 * POST /v1/login: the built-in users. An unknown user and a wrong password get the same answer
 * after the same work (a dummy hash is checked); each attempt is reserved from the per-user and
 * per-IP budgets before its password is hashed.
 */
export function loginRoutes(deps: AppDeps, router: Router): void {
  router.post('/v1/login', validateBody(LoginBody), async (req, res) => {
    const issueToken = deps.issueToken
    if (!issueToken) throw new NotFoundError('this server accepts tokens from an external identity provider only')
    const { username: given, password } = req.body as LoginBody
    const username = given.toLowerCase()
    const ip = req.ip ?? 'unknown'
    try {
      await deps.throttle.reserve(username, ip)
    } catch (err) {
      if (err instanceof LoginThrottledError) deps.metrics.logins.inc({ result: 'throttled' })
      throw err
    }
    const user = deps.users.find(username)
    const ok = await deps.verifyPassword(password, user?.passwordHash ?? deps.dummyPasswordHash)
    if (!user || !ok) {
      deps.metrics.logins.inc({ result: 'failed' })
      deps.logger.info({ event: 'login-failed', user: username }, 'login failed')
      throw new LoginFailedError()
    }
    await deps.throttle.succeeded(username, ip)
    deps.metrics.logins.inc({ result: 'ok' })
    const { accessToken, expiresIn } = issueToken(user)
    res.setHeader('Cache-Control', 'no-store')
    res.json({ accessToken, tokenType: 'Bearer', expiresIn })
  })
}
