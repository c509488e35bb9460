import { describe, expect, it } from 'vitest'
import { createLogger } from '../../src/http/logger.js'
import { captureStream, capturedLogs } from '../helpers/app.js'
import { expectNoSecretsLogged, rememberSecrets, seenSecrets } from '../helpers/secrets.js'

describe('the secrets scan', () => {
  it('catches a secret in a log line (negative control)', () => {
    rememberSecrets('CANARY_SECRET_0123456789')
    capturedLogs.push('{"msg":"oops CANARY_SECRET_0123456789"}')
    expect(() => expectNoSecretsLogged()).toThrow()
    capturedLogs.pop()
    seenSecrets.delete('CANARY_SECRET_0123456789')
  })

  it('is backed by pino redaction of secret-named fields at any depth', () => {
    const logger = createLogger(captureStream())
    const canary = 'CANARY_REDACT_987654321'
    rememberSecrets(canary)
    logger.info({ password: canary, credentials: { AccessKeySecret: canary }, body: { SecurityToken: canary, accessToken: canary }, authorization: `Bearer ${canary}` }, 'redaction check')
    expect(capturedLogs.at(-1)).toContain('[redacted]')
    expectNoSecretsLogged()
  })
})
