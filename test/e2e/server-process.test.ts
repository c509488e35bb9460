import { connect } from 'node:net'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startServerProcess, writeTestConfig, type ServerProcess } from '../helpers/process.js'

const running: ServerProcess[] = []
afterAll(() => {
  for (const p of running) p.child.kill('SIGKILL')
})

async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'alice-sandbox-password' }) })
  expect(res.status).toBe(200)
  return ((await res.json()) as { accessToken: string }).accessToken
}

describe('the server as a real process (npm start)', () => {
  it('prints one line per listener, exactly, and vends credentials through the sandbox STS', async () => {
    const server = await startServerProcess(writeTestConfig())
    running.push(server)
    expect(server.lines[0]).toMatch(/^ossvend listening on http:\/\/127\.0\.0\.1:\d+$/)
    expect(server.lines[1]).toMatch(/^sandbox sts on http:\/\/127\.0\.0\.1:\d+$/)
    expect(server.lines[2]).toMatch(/^sandbox oss on http:\/\/127\.0\.0\.1:\d+$/)
    const token = await login(server.url)
    // What a mobile app does: get a provider URL (narrow token) and hand it to its SDK's provider.
    const issued = await fetch(`${server.url}/v1/sts/provider-url`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ scope: 'read' }) })
    expect(issued.status).toBe(201)
    const providerUrl = ((await issued.json()) as { url: string }).url
    expect(providerUrl.startsWith(`${server.url}/v1/sts?`)).toBe(true)
    const res = await fetch(providerUrl)
    expect(res.status).toBe(200)
    const body = (await res.json()) as Record<string, unknown>
    expect(body).toMatchObject({ StatusCode: 200, Placement: { Prefix: 'alice/' }, AccessKeyId: expect.stringMatching(/^STS\./) })
    server.child.kill('SIGTERM')
    expect(await server.exited()).toBe(0)
    const logs = server.stderr.join('') + server.lines.join('\n')
    expect(logs).not.toContain(body.AccessKeySecret as string)
    expect(logs).not.toContain(body.SecurityToken as string)
    expect(logs).not.toContain(token)
    expect(logs).not.toContain(new URL(providerUrl).searchParams.get('access_token'))
  })

  it('drains in-flight requests on SIGTERM, then refuses new connections and exits 0', async () => {
    const configPath = writeTestConfig()
    const server = await startServerProcess(configPath)
    running.push(server)
    const token = await login(server.url)
    // The control endpoint takes the sandbox's root credentials (HTTP Basic), which the test can read.
    const root = JSON.parse(readFileSync(join(dirname(configPath), 'sandbox', 'root-credentials.json'), 'utf8')) as { accessKeyId: string; accessKeySecret: string }
    const control = `Basic ${Buffer.from(`${root.accessKeyId}:${root.accessKeySecret}`).toString('base64')}`
    expect((await fetch(`${server.stsUrl}/__sandbox/faults`, { method: 'PUT', body: JSON.stringify({ mode: 'none', latencyMs: 800 }) })).status).toBe(403)
    expect((await fetch(`${server.stsUrl}/__sandbox/faults`, { method: 'PUT', headers: { authorization: control }, body: JSON.stringify({ mode: 'none', latencyMs: 800 }) })).status).toBe(200)
    const inflight = Promise.all(
      Array.from({ length: 20 }, (_, i) => fetch(`${server.url}/v1/sts?scope=${['read', 'write', 'read-write'][i % 3]}`, { headers: { authorization: `Bearer ${token}` } })),
    )
    await new Promise((r) => setTimeout(r, 200))
    server.child.kill('SIGTERM')
    const responses = await inflight
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200))
    expect(await server.exited()).toBe(0)
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()
  })

  it('answers a request sent on a connection that was open but silent when SIGTERM came', async () => {
    const server = await startServerProcess(writeTestConfig())
    running.push(server)
    const { port, hostname } = new URL(server.url)
    const socket = connect(Number(port), hostname)
    await new Promise((resolve) => socket.once('connect', resolve))
    let answer = ''
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')))
    const ended = new Promise((resolve) => socket.once('close', resolve))
    await new Promise((r) => setTimeout(r, 100))
    server.child.kill('SIGTERM')
    await new Promise((r) => setTimeout(r, 300))
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()
    socket.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`)
    await ended
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    expect(answer).toMatch(/\r\nConnection: close\r\n/i)
    expect(answer).toMatch(/\{"status":"ok"\}$/)
    expect(await server.exited()).toBe(0)
  })

  it('stops with exit 78 and every issue when config.json is invalid', async () => {
    const path = writeTestConfig({ sts: { durationSec: 100, roleArn: 'nope' }, extra: true })
    const err = await startServerProcess(path).then(() => undefined, (e: Error) => e)
    expect(err?.message).toMatch(/^server exited with 78: ossvend: .*invalid configuration \(3 issues\)/)
    for (const pointer of ['/extra schema.unknown-property', '/sts/roleArn schema.pattern', '/sts/durationSec schema.minimum']) expect(err?.message).toContain(pointer)
  })
})
