import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { writeTestConfig } from '../helpers/process.js'
import { ROOT } from '../helpers/vectors.js'

const BIN = join(ROOT, 'dist', 'cli', 'bin.js')

interface Ran {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `ossvend ARGS` as a process in an empty folder with an empty HOME (nothing inherited but PATH). */
function ossvend(args: string[], env: Record<string, string> = {}, cwd = mkdtempSync(join(tmpdir(), 'ossvend-cli-'))): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

function listenOn(port = 0): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer()
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}
const portOf = (server: Server) => (server.address() as { port: number }).port
const lines = (text: string) => text.trimEnd().split('\n')

describe('ossvend CLI as users run it', () => {
  it('prints its version and the usage of the root and of every command, to stdout, exit 0', async () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version
    expect(await ossvend(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` })
    const root = await ossvend(['--help'])
    expect(root).toMatchObject({ code: 0, stderr: '' })
    for (const command of ['simulate', 'matrix', 'validate', 'render', 'users', 'serve']) {
      expect(root.stdout).toContain(`ossvend ${command}`)
      const help = await ossvend([command, '--help'])
      expect(help, command).toMatchObject({ code: 0, stderr: '' })
      expect(help.stdout, command).toMatch(new RegExp(`^usage: ossvend ${command}`))
    }
  })

  it('is a usage error (64) with no command, an unknown one, or two config files', async () => {
    expect((await ossvend([])).code).toBe(64)
    expect((await ossvend(['nope'])).code).toBe(64)
    const two = await ossvend(['serve', 'a.json', '--config', 'b.json'])
    expect(two.code).toBe(64)
    expect(two.stdout).toBe('')
  })
})

describe('ossvend serve: start-up failures are one line naming the setting', () => {
  it('a malformed config file: 78', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ossvend-cli-'))
    writeFileSync(join(dir, 'broken.json'), '{"mode": "sandbox",')
    for (const args of [['serve', 'broken.json'], ['serve', '--config', 'broken.json']]) {
      const ran = await ossvend(args, {}, dir)
      expect(ran.code).toBe(78)
      expect(lines(ran.stderr)).toHaveLength(1)
      expect(ran.stderr).toMatch(/broken\.json.*json\.syntax/)
      expect(ran.stdout).toBe('')
    }
    const fromEnv = await ossvend(['serve'], { OSSVEND_CONFIG: join(dir, 'broken.json') })
    expect(fromEnv.code).toBe(78)
    expect(fromEnv.stderr).toMatch(/broken\.json/)
  })

  it('REDIS_URL without OSSVEND_JWT_SECRET, and a short secret: 78', async () => {
    const config = writeTestConfig()
    const noSecret = await ossvend(['serve', config], { REDIS_URL: 'redis://127.0.0.1:1' })
    expect(noSecret.code).toBe(78)
    expect(lines(noSecret.stderr)).toEqual([expect.stringMatching(/^ossvend: OSSVEND_JWT_SECRET: .*Redis/)])
    const short = await ossvend(['serve', config], { OSSVEND_JWT_SECRET: 'too-short' })
    expect(short.code).toBe(78)
    expect(lines(short.stderr)).toEqual([expect.stringMatching(/^ossvend: OSSVEND_JWT_SECRET: secret\.short: must have at least 32 bytes/)])
  })

  it('a missing template, a missing role policy and a bad template: 78, naming the config key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ossvend-cli-'))
    const templates = (read: string) => ({
      read,
      write: join(ROOT, 'policies/templates/write.json'),
      'read-write': join(ROOT, 'policies/templates/read-write.json'),
      levels: join(ROOT, 'policies/rules/amplify-levels.json'),
    })
    const missing = await ossvend(['serve', writeTestConfig({ policies: { scopes: templates(join(dir, 'nope.json')), rolePolicies: [] } })])
    expect(missing.code).toBe(78)
    expect(lines(missing.stderr)).toEqual([expect.stringMatching(/^ossvend: policies\.scopes\.read \(.*nope\.json\): cannot read/)])
    const noRole = await ossvend(['serve', writeTestConfig({ policies: { scopes: templates(join(ROOT, 'policies/templates/read.json')), rolePolicies: [join(dir, 'role.json')] } })])
    expect(noRole.code).toBe(78)
    expect(lines(noRole.stderr)).toEqual([expect.stringMatching(/^ossvend: policies\.rolePolicies\[0\] \(.*role\.json\): cannot read/)])
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ name: 'bad', description: 'x', prefix: '${user}/', policy: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:Nope', Resource: 'acs:oss:*:${account}:${bucket}/${user}/*' }] } }))
    const bad = await ossvend(['serve', writeTestConfig({ policies: { scopes: templates(join(dir, 'bad.json')), rolePolicies: [] } })])
    expect(bad.code).toBe(78)
    expect(bad.stderr).toMatch(/^ossvend: policies\.scopes\.read \(.*bad\.json\)/)
    expect(bad.stderr).not.toMatch(/\n\s+at /)
  })

  it('cloud mode with no credentials at all refuses to start: 78 naming ALIBABA_CLOUD_ACCESS_KEY_ID', async () => {
    const ran = await ossvend(['serve', writeTestConfig({ mode: 'cloud' })])
    expect(ran.code).toBe(78)
    expect(lines(ran.stderr)).toEqual([expect.stringMatching(/^ossvend: ALIBABA_CLOUD_ACCESS_KEY_ID: credentials\.missing: cloud mode has no Alibaba Cloud credentials/)])
    expect(ran.stdout).toBe('')
  })

  it('a port in use: 69 naming the setting, and the process ends (no listener left behind)', async () => {
    const taken = await listenOn()
    try {
      const ran = await ossvend(['serve', writeTestConfig()], { PORT: String(portOf(taken)) })
      expect(ran.code).toBe(69)
      expect(lines(ran.stderr)).toEqual([expect.stringMatching(/^ossvend: server\.port \(PORT\): 127\.0\.0\.1:\d+ is in use$/)])
      expect(ran.stdout).toBe('')
    } finally {
      taken.close()
    }
  })
})

describe('ossvend serve with no config file', () => {
  it('runs on the built-in sandbox defaults, keeps its data under XDG_DATA_HOME, and stops on SIGTERM', { timeout: 90_000 }, async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ossvend-cli-'))
    const data = mkdtempSync(join(tmpdir(), 'ossvend-xdg-'))
    const child = spawn(process.execPath, [BIN, 'serve'], { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, XDG_DATA_HOME: data, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] })
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve))
    let stdout = ''
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString()
        if (stdout.includes('sandbox oss on ')) resolve()
      })
      void exit.then((code) => reject(new Error(`exited ${code}`)))
    })
    expect(lines(stdout).slice(0, 3).map((l) => l.replace(/\d+$/, 'N'))).toEqual([
      'ossvend listening on http://127.0.0.1:N',
      'sandbox sts on http://127.0.0.1:N',
      'sandbox oss on http://127.0.0.1:N',
    ])
    const url = /ossvend listening on (\S+)/.exec(stdout)?.[1] as string
    const login = await fetch(`${url}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'alice-sandbox-password' }) })
    expect(login.status).toBe(200)
    child.kill('SIGTERM')
    expect(await exit).toBe(0)
    expect(readdirSync(join(data, 'ossvend', 'sandbox'))).toContain('root-credentials.json')
    expect(readdirSync(cwd)).toEqual([])
  })
})
