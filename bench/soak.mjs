// bench/soak: ossvend (a real process, sandbox mode, state in a real redis-server) under mixed
// traffic for a while, with the sandbox STS failing 20% of AssumeRole calls: logins, /v1/sts,
// signed URLs fetched from the sandbox OSS, and PostObject forms posted to it (each with a callback
// to ossvend), each uploaded object deleted again through a signed DELETE URL.
// State kept for a bounded time (the replay set, the upload log) lives in Redis here, so the heap
// figure shows what the process itself keeps; the in-memory stores are bounded by their windows.
// Checks: no lost callback (every accepted upload is in /v1/uploads), no 5xx but the documented
// 503, no secret in the logs, and no heap growth after warm-up.
// `node bench/soak.mjs [seconds]` (default 600); the test suite runs a 60-second version.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { startProcess, startRedisServer, writeBenchConfig } from './measure.mjs'

const USERS = 30
const LOG_KEEPS = 1000
const CONCURRENCY = 8

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]
}

export async function runSoak({ seconds = 600, faultRate = 0.2 } = {}) {
  const users = Array.from({ length: USERS }, (_, i) => ({ username: `soak-${i}`, password: `soak-password-${i}-${Math.random().toString(36).slice(2)}`, scopes: ['read', 'write', 'read-write'] }))
  const configPath = writeBenchConfig((base) => ({
    mode: 'sandbox',
    server: { ...base.server, userRequestsPerMinute: 1_000_000 },
    auth: { ...base.auth, scryptLog2N: 10, demoUsers: users },
    sts: { ...base.sts, durationSec: 900 },
  }))
  const children = []
  const redisUrl = await startRedisServer(children)
  const jwtSecret = `soak-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}-secret`
  const started = await startProcess(['--expose-gc', '--require', './bench/servers/gc-on-signal.cjs', 'dist/main.js', configPath], { PORT: '0', LOG_LEVEL: 'info', REDIS_URL: redisUrl, OSSVEND_JWT_SECRET: jwtSecret }, /ossvend listening on (\S+)\nsandbox sts on (\S+)\nsandbox oss on (\S+)/, children)
  const child = started.child
  const [, url, stsUrl] = started.match
  const logs = []
  child.stdout.on('data', (d) => logs.push(d.toString()))
  const secrets = new Set([...users.map((u) => u.password), jwtSecret])
  const counts = { login: 0, sts: 0, url: 0, post: 0, sts503: 0, callbacksFailed: 0, unexpected: [] }
  // Each user's accepted uploads in order; the upload log keeps the last LOG_KEEPS of them.
  const expectedUploads = new Map(users.map((u) => [u.username, []]))
  const heap = []

  try {
    // The sandbox's control endpoint takes its root credentials (HTTP Basic).
    const root = JSON.parse(readFileSync(join(dirname(configPath), 'sandbox', 'root-credentials.json'), 'utf8'))
    const control = `Basic ${Buffer.from(`${root.accessKeyId}:${root.accessKeySecret}`).toString('base64')}`
    const faults = await fetch(`${stsUrl}/__sandbox/faults`, { method: 'PUT', headers: { authorization: control }, body: JSON.stringify({ mode: 'server-error', probability: faultRate }) })
    if (faults.status !== 200) throw new Error(`the sandbox STS refused the fault settings: ${faults.status}`)
    const tokens = new Map()
    const api = async (path, token, init = {}) => {
      const res = await fetch(`${url}${path}`, { ...init, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...init.headers } })
      const text = await res.text()
      return { status: res.status, body: text ? JSON.parse(text) : undefined }
    }
    const expectOk = (what, res) => {
      if (res.status === 503 && res.body?.code === 'ERR_STS_UNAVAILABLE') counts.sts503++
      else if (res.status !== 200) counts.unexpected.push(`${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`)
      return res.status === 200
    }
    const login = async (user) => {
      counts.login++
      const res = await api('/v1/login', undefined, { method: 'POST', body: JSON.stringify({ username: user.username, password: user.password }) })
      if (expectOk('login', res)) {
        tokens.set(user.username, res.body.accessToken)
        secrets.add(res.body.accessToken)
      }
    }
    for (const user of users) await login(user)

    let n = 0
    const deadline = Date.now() + seconds * 1000
    const startedAt = Date.now()
    // Every 2 s: a full collection in the server, then its heap: what it keeps alive.
    let sampling = Promise.resolve()
    const sampler = setInterval(() => {
      sampling = sampling.then(sample)
    }, 2000)
    async function sample() {
      child.kill('SIGUSR2')
      await new Promise((resolve) => setTimeout(resolve, 100))
      const text = await fetch(`${url}/metrics`).then((r) => r.text(), () => '')
      const used = Number(/^nodejs_heap_size_used_bytes (\d+(?:\.\d+)?)/m.exec(text)?.[1])
      if (used) heap.push({ t: (Date.now() - startedAt) / 1000, used })
    }

    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < deadline) {
        const user = users[Math.floor(Math.random() * users.length)]
        const token = tokens.get(user.username)
        const roll = Math.random()
        // Apps log in once and reuse the token; a few log in again.
        if (!token || roll < 0.005) {
          await login(user)
        } else if (roll < 0.5) {
          counts.sts++
          const scope = ['read', 'write', 'read-write'][Math.floor(Math.random() * 3)]
          const res = await api(`/v1/sts?scope=${scope}`, token)
          if (expectOk('sts', res)) secrets.add(res.body.AccessKeySecret).add(res.body.SecurityToken)
        } else if (roll < 0.75) {
          counts.url++
          const res = await api('/v1/sign/url', token, { method: 'POST', body: JSON.stringify({ key: `${user.username}/missing-${n++}.txt`, method: 'GET' }) })
          if (expectOk('sign/url', res)) {
            const got = await fetch(res.body.url)
            await got.arrayBuffer()
            if (got.status !== 404) counts.unexpected.push(`signed GET: ${got.status}`)
          }
        } else {
          counts.post++
          const res = await api('/v1/sign/post', token, { method: 'POST', body: JSON.stringify({ dir: `${user.username}/soak/` }) })
          if (!expectOk('sign/post', res)) continue
          const name = `s${n++}.png`
          const body = new FormData()
          for (const f of res.body.fields) body.append(f.name, f.value)
          body.append('Content-Type', 'image/png')
          body.append('file', new Blob([Buffer.from(`soak ${name}`)], { type: 'image/png' }), name)
          const posted = await fetch(res.body.host, { method: 'POST', body })
          const text = await posted.text()
          const key = `${user.username}/soak/${name}`
          // 200 carries ossvend's own answer to the callback; the sandbox says 203 when it failed.
          let answer
          try {
            answer = JSON.parse(text)
          } catch {
            answer = undefined
          }
          if (posted.status !== 200 || answer?.Status !== 'OK' || answer?.key !== key) {
            counts.unexpected.push(`PostObject: ${posted.status} ${text.slice(0, 200)}`)
            counts.callbacksFailed++
            continue
          }
          expectedUploads.get(user.username).push(key)
          const del = await api('/v1/sign/url', token, { method: 'POST', body: JSON.stringify({ key, method: 'DELETE' }) })
          if (expectOk('sign/url DELETE', del)) {
            const gone = await fetch(del.body.url, { method: 'DELETE' })
            await gone.arrayBuffer()
            if (gone.status !== 204) counts.unexpected.push(`signed DELETE: ${gone.status}`)
          }
        }
      }
    }))
    clearInterval(sampler)
    await sampling

    let lost = counts.callbacksFailed
    let listed = 0
    let accepted = 0
    for (const user of users) {
      const res = await api('/v1/uploads', tokens.get(user.username))
      const keys = new Set((res.body?.uploads ?? []).map((u) => u.key))
      const mine = expectedUploads.get(user.username)
      accepted += mine.length
      for (const key of mine.slice(-LOG_KEEPS)) {
        if (keys.has(key)) listed++
        else lost++
      }
    }
    const stats = await (await fetch(`${stsUrl}/__sandbox/stats`)).json()
    const text = logs.join('')
    const leaked = [...secrets].filter((s) => s && text.includes(s)).length
    const warm = heap.filter((h) => h.t >= seconds * 0.25 && h.t < seconds * 0.5).map((h) => h.used)
    const end = heap.filter((h) => h.t >= seconds * 0.75).map((h) => h.used)
    const heapGrowth = median(end) / median(warm) - 1
    return {
      seconds,
      operations: counts.login + counts.sts + counts.url + counts.post,
      logins: counts.login,
      sts: counts.sts,
      signedUrls: counts.url,
      uploads: accepted + counts.callbacksFailed,
      callbacksAnswered: accepted,
      /** Of the uploads the log still keeps (each user's last LOG_KEEPS), how many it lists. */
      callbacksListed: listed,
      callbacksLost: lost,
      sts503: counts.sts503,
      stsCalls: stats.requests,
      stsFaults: stats.byCode?.ServiceUnavailable ?? 0,
      unexpected: counts.unexpected.slice(0, 20),
      unexpectedCount: counts.unexpected.length,
      secretsChecked: secrets.size,
      secretsInLogs: leaked,
      heapWarmMB: Number((median(warm) / 1e6).toFixed(1)),
      heapEndMB: Number((median(end) / 1e6).toFixed(1)),
      heapGrowth: Number(heapGrowth.toFixed(3)),
    }
  } finally {
    for (const c of children) c.kill('SIGKILL')
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await runSoak({ seconds: Number(process.argv[2] ?? 600) })
  console.log(JSON.stringify(result))
  process.exitCode = result.callbacksLost === 0 && result.unexpectedCount === 0 && result.secretsInLogs === 0 && result.heapGrowth <= 0.1 ? 0 : 1
}
