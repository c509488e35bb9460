import jwt from 'jsonwebtoken'
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')

/** The sandbox STS's root AccessKey and the servers' JWT secret in the HTTP benchmarks. */
export const BENCH_AK = 'BENCHROOTKEY'
export const BENCH_SK = 'bench-root-secret'
export const BENCH_JWT_SECRET = 'bench-jwt-secret-bench-jwt-secret-32'

/** An ossvend access token for `user` with the read scope, valid for an hour. */
export function benchToken(user) {
  const now = Math.floor(Date.now() / 1000)
  return jwt.sign({ sub: user, scope: 'read', iat: now, exp: now + 3600 }, BENCH_JWT_SECRET, { algorithm: 'HS256', issuer: 'ossvend', audience: 'ossvend-app', header: { alg: 'HS256', typ: 'at+jwt' } })
}

const temporaryFolders = new Set()
process.on('exit', () => {
  for (const dir of temporaryFolders) rmSync(dir, { recursive: true, force: true })
})

/** A fresh folder under the system's temporary folder, removed when this process exits. */
export function temporaryFolder(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  temporaryFolders.add(dir)
  return dir
}

/**
 * The repository's config.json with `patch(base, dir)` applied, the paths made absolute, users and
 * data in a fresh temporary folder (removed when the bench exits); returns the written file's path.
 */
export function writeBenchConfig(patch) {
  const dir = temporaryFolder('ossvend-bench-')
  const base = JSON.parse(readFileSync(join(ROOT, 'config.json'), 'utf8'))
  const config = {
    ...base,
    auth: { ...base.auth, usersFile: join(dir, 'users.json') },
    sandbox: { ...base.sandbox, dataDir: join(dir, 'sandbox') },
    policies: {
      ...base.policies,
      scopes: Object.fromEntries(Object.entries(base.policies.scopes).map(([k, v]) => [k, join(ROOT, v)])),
      rolePolicies: base.policies.rolePolicies.map((p) => join(ROOT, p)),
      referer: join(ROOT, base.policies.referer),
    },
  }
  const path = join(dir, 'config.json')
  writeFileSync(path, JSON.stringify({ ...config, ...patch(config) }))
  return path
}

/**
 * Adds one built-in user to the config's users file: cloud mode refuses to start with nobody who
 * could sign in, even though the benchmarks' clients bring their own tokens.
 */
export async function addBenchUser(configPath) {
  const { upsertUser } = await import('../dist/auth/user-store.js')
  const config = JSON.parse(readFileSync(configPath, 'utf8'))
  await upsertUser(config.auth.usersFile, 'bench-admin', 'bench-admin-password', ['read'], 10)
  return configPath
}

/** Calls `fn` for `minMs` (at most `maxIterations` times): nanoseconds per call, and the calls made. */
function timedLoop(fn, minMs, maxIterations = Infinity) {
  let iterations = 0
  const start = process.hrtime.bigint()
  const until = performance.now() + minMs
  do {
    fn()
    iterations++
  } while (performance.now() < until && iterations < maxIterations)
  return { ns: Number(process.hrtime.bigint() - start) / iterations, iterations }
}

/** `timedLoop` for an async `fn`, each call awaited. */
async function timedLoopAsync(fn, minMs) {
  let iterations = 0
  const start = process.hrtime.bigint()
  const until = performance.now() + minMs
  do {
    await fn()
    iterations++
  } while (performance.now() < until)
  return { ns: Number(process.hrtime.bigint() - start) / iterations, iterations }
}

/** The median (the mean of the middle two for an even count). */
export function medianOf(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/**
 * Times `fn` until at least `minMs` has passed (after a warm-up), and returns the mean time of one
 * unit of work in nanoseconds; `perCall` is how many units one call of `fn` does.
 */
export function measure(label, fn, perCall = 1, { minMs = 400, maxIterations = Infinity } = {}) {
  timedLoop(fn, Math.min(100, minMs / 2), maxIterations)
  const { ns, iterations } = timedLoop(fn, minMs, maxIterations)
  return { label, ns: ns / perCall, iterations }
}

/**
 * Two implementations in alternating windows of `minMs` (`pairs` of them, after a warm-up of
 * `warmUpMs` each): the figures are each side's median window and the ratio theirs/ours is the
 * median of the pairs' ratios, so a slow phase of the machine, which can last seconds on the
 * 2-core VM, falls on both sides of a pair instead of on whichever was measured during it.
 */
export async function measurePair({ ours, theirs, oursAsync = false, theirsAsync = false, pairs = 7, minMs = 100, perCall = 1, warmUpMs = 50 }) {
  const window = (fn, isAsync, ms) => (isAsync ? timedLoopAsync(fn, ms) : timedLoop(fn, ms))
  await window(ours, oursAsync, warmUpMs)
  await window(theirs, theirsAsync, warmUpMs)
  const oursNs = []
  const theirsNs = []
  for (let k = 0; k < pairs; k++) {
    oursNs.push((await window(ours, oursAsync, minMs)).ns / perCall)
    theirsNs.push((await window(theirs, theirsAsync, minMs)).ns / perCall)
  }
  return { oursNs: medianOf(oursNs), theirsNs: medianOf(theirsNs), ratio: medianOf(theirsNs.map((t, k) => t / oursNs[k])) }
}

export function printTable(rows) {
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)))
  for (const row of rows) console.log(row.map((cell, i) => String(cell ?? '').padEnd(widths[i])).join('  ').trimEnd())
}

/**
 * Starts a node script in its own process (killed when the bench ends) and resolves with the
 * first match of `pattern` in its standard output, e.g. the URL it listens on.
 */
export function startProcess(args, env, pattern, children = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
    children.push(child)
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      const m = pattern.exec(out)
      if (m) resolve({ child, match: m })
    })
    child.on('exit', (code) => reject(new Error(`${args[0]} exited ${code}`)))
  })
}

async function freePort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Debian's redis-server on a free loopback port, nothing saved; returns its URL. */
export async function startRedisServer(children) {
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(child)
  await new Promise((resolve, reject) => {
    let out = ''
    child.on('error', reject)
    child.stdout.on('data', (d) => {
      out += d
      if (out.includes('Ready to accept connections')) resolve()
    })
  })
  return `redis://127.0.0.1:${port}`
}
