// bench/redis: two ossvend instances sharing one redis-server against two that share nothing:
// AssumeRole calls and time to serve 500 users through both, and warm /v1/sts throughput with the
// per-user limiter counting in Redis against counting in memory. STS is limited to 100 calls/s.
import autocannon from 'autocannon'
import { addBenchUser, BENCH_AK as AK, BENCH_JWT_SECRET as JWT_SECRET, BENCH_SK as SK, benchToken as token, startProcess, startRedisServer, writeBenchConfig } from './measure.mjs'

const USERS = 500
const DURATION = Number(process.env.BENCH_HTTP_SECONDS ?? 8)
const children = []

async function startOssvend(stsUrl, redisUrl) {
  const configPath = await addBenchUser(writeBenchConfig((base) => ({
    mode: 'cloud',
    server: { ...base.server, userRequestsPerMinute: 1_000_000 },
    auth: { ...base.auth, demoUsers: [] },
    sts: { ...base.sts, durationSec: 3600, cacheMaxEntries: 10000 },
  })))
  const env = { PORT: '0', OSSVEND_JWT_SECRET: JWT_SECRET, OSSVEND_STS_ENDPOINT: stsUrl, ALIBABA_CLOUD_ACCESS_KEY_ID: AK, ALIBABA_CLOUD_ACCESS_KEY_SECRET: SK, ...(redisUrl ? { REDIS_URL: redisUrl } : {}) }
  return (await startProcess(['dist/main.js', configPath], env, /ossvend listening on (http:\S+)/, children)).match[1]
}

async function stsCalls(url) {
  const text = await (await fetch(`${url}/metrics`)).text()
  return Number(/^ossvend_sts_calls_total\{outcome="ok"\} (\d+)/m.exec(text)?.[1] ?? 0)
}

/** Every user once through the first instance and once through the second, 50 at a time. */
async function serveEveryoneTwice([first, second], tokens) {
  const started = Date.now()
  let next = 0
  let failed = 0
  await Promise.all(Array.from({ length: 50 }, async () => {
    while (next < tokens.length) {
      const token = tokens[next++]
      for (const url of [first, second]) {
        const res = await fetch(`${url}/v1/sts?scope=read`, { headers: { authorization: `Bearer ${token}` } })
        if (res.status !== 200) failed++
        await res.arrayBuffer()
      }
    }
  }))
  return { seconds: (Date.now() - started) / 1000, calls: (await stsCalls(first)) + (await stsCalls(second)), failed }
}

function load(url, token) {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url: `${url}/v1/sts?scope=read`, connections: 50, duration: DURATION, headers: { authorization: `Bearer ${token}` } }, (err, result) => (err ? reject(err) : resolve(result)))
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false, outputStream: { write() {} } })
  })
}

export async function run() {
  try {
    const stsUrl = (await startProcess(['bench/servers/sandbox-sts.mjs'], { BENCH_AK: AK, BENCH_SK: SK }, /sts (http:\S+)/, children)).match[1]
    const redisUrl = await startRedisServer(children)
    const shared = [await startOssvend(stsUrl, redisUrl), await startOssvend(stsUrl, redisUrl)]
    const alone = [await startOssvend(stsUrl), await startOssvend(stsUrl)]
    const tokens = Array.from({ length: USERS }, (_, i) => token(`user-${i}`))

    const r = await serveEveryoneTwice(shared, tokens)
    await new Promise((resolve) => setTimeout(resolve, 1500)) // STS's per-second budget refills
    const m = await serveEveryoneTwice(alone, tokens)

    const one = token('bench-user')
    await load(shared[0], one)
    const warmRedis = await load(shared[0], one)
    await load(alone[0], one)
    const warmMemory = await load(alone[0], one)
    const rps = (x) => x['2xx'] / x.duration

    const rows = [
      [`(e) 2 instances on Redis, ${USERS} users via both`, `${r.seconds.toFixed(1)} s`, `${r.calls} AssumeRole calls; ${r.failed} failed`],
      [`(e') 2 instances, nothing shared`, `${m.seconds.toFixed(1)} s`, `${m.calls} AssumeRole calls; ${m.failed} failed; Redis: ${(m.calls / Math.max(1, r.calls)).toFixed(2)} x fewer calls, ${(m.seconds / r.seconds).toFixed(2)} x faster`],
      ['(f) warm /v1/sts, limiter in Redis', `${rps(warmRedis).toFixed(0)} req/s`, `p99 ${warmRedis.latency.p99} ms; ${(rps(warmRedis) / rps(warmMemory)).toFixed(2)} x (f')`],
      ["(f') warm /v1/sts, limiter in memory", `${rps(warmMemory).toFixed(0)} req/s`, `p99 ${warmMemory.latency.p99} ms`],
    ]
    const figures = {
      usersViaBoth: USERS,
      sharedStsCalls: r.calls,
      sharedSeconds: Number(r.seconds.toFixed(1)),
      unsharedStsCalls: m.calls,
      unsharedSeconds: Number(m.seconds.toFixed(1)),
      failed: r.failed + m.failed,
      warmRedisRps: Math.round(rps(warmRedis)),
      warmMemoryRps: Math.round(rps(warmMemory)),
      warmRedisOverMemory: Number((rps(warmRedis) / rps(warmMemory)).toFixed(2)),
    }
    return { name: 'redis', rows, figures }
  } finally {
    for (const child of children) child.kill('SIGKILL')
  }
}
