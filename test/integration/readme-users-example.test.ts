import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import request from 'supertest'
import { afterAll, describe, expect, it } from 'vitest'
import { run } from '../../src/cli/main.js'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { ROOT } from '../helpers/vectors.js'

/** The README's own `users add` command, as written there. */
function readmeUsersAdd(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const line = /^echo "\$PASSWORD" \| npx ossvend (users add .*)$/m.exec(readme)?.[1]
  if (!line) throw new Error('the README has no users add example')
  return line.split(/\s+/)
}

describe("the README's users add example", () => {
  let app: TestApp | undefined
  afterAll(async () => app?.close())

  it('makes a user who gets credentials for the default scope', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ossvend-readme-'))
    const config = JSON.parse(readFileSync(join(ROOT, 'config.json'), 'utf8')) as { auth: Record<string, unknown>; policies: { scopes: Record<string, string> } }
    config.auth.usersFile = join(dir, 'users.json')
    config.auth.scryptLog2N = 10
    for (const [name, path] of Object.entries(config.policies.scopes)) config.policies.scopes[name] = join(ROOT, path)
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, policies: { ...config.policies, rolePolicies: [join(ROOT, 'policies/role/app-role.json')], referer: join(ROOT, 'policies/referer/example.json') } }))
    const password = 'erin-correct-horse-battery'
    let out = ''
    const code = await run([...readmeUsersAdd(), '--config', 'config.json'], { stdout: (t) => (out += t), stderr: (t) => (out += t), cwd: dir, readStdin: async () => `${password}\n` })
    expect(code, out).toBe(0)

    app = await buildTestApp({ auth: { usersFile: join(dir, 'users.json') } })
    const login = await request(app.app).post('/v1/login').send({ username: 'erin', password }).expect(200)
    const sts = await request(app.app).get('/v1/sts').set('authorization', `Bearer ${login.body.accessToken as string}`)
    expect(sts.status, JSON.stringify(sts.body)).toBe(200)
    expect(sts.body).toMatchObject({ StatusCode: 200, AccessKeyId: expect.stringMatching(/^STS\./) as unknown })
  })
})
