import type { Router } from 'express'
import { LoginFailedError, LoginThrottledError, NotFoundError } from '../../errors.js'
import { LOCAL_PROVIDER } from '../../auth/user-id.js'
import type { AppDeps } from '../deps.js'
import { guestRoutes } from './guest.js'
import { tokenRoutes } from './token.js'
import { validateBody } from '../validate-body.js'
import { LoginBody } from '../schemas/login.js'

/**
 * POST /v1/login: the built-in users; the answer also holds a refresh token (see token.ts), and
 * the session and guest routes are registered from here too. An unknown user and a wrong
 * password get the same answer after the same work (a dummy hash is checked); each attempt is
 * reserved from the per-user and per-IP budgets before its password is hashed.
 */
export function loginRoutes(deps: AppDeps, router: Router): void {
  router.post('/v1/login', validateBody(LoginBody), async (req, res) => {
    const issueToken = deps.issueToken
    if (!issueToken && !deps.sessions) throw new NotFoundError('this server accepts tokens from an external identity provider only')
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
    res.setHeader('Cache-Control', 'no-store')
    if (deps.sessions) {
      res.json(await deps.sessions.start({ userId: user.username, provider: LOCAL_PROVIDER, scopes: user.scopes }))
      return
    }
    const { accessToken, expiresIn } = (issueToken as NonNullable<AppDeps['issueToken']>)(user)
    res.json({ accessToken, tokenType: 'Bearer', expiresIn })
  })
  tokenRoutes(deps, router)
  guestRoutes(deps, router)
}
