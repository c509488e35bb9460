import { afterAll } from 'vitest'
import { capturedLogs } from '../helpers/app.js'
import { expectNoSecretsLogged } from '../helpers/secrets.js'

// Runs after every test file: whatever secrets the file remembered (tokens, passwords, STS keys)
// must appear in none of the log lines its apps wrote.
afterAll(() => {
  if (capturedLogs.length > 0) expectNoSecretsLogged()
})
