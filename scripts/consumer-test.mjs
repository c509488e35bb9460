// The package as a user installs it: `npm pack`, install the tarball into an empty app with
// `--omit=dev`, then run the README's Library examples verbatim, import every entry point (ESM
// and require), run `ossvend --version`, `ossvend serve` (the page and its assets, nothing written
// inside node_modules, SIGTERM), and one malformed config. Prints one line per check and writes
// test-results/consumer.json ({ passed, failed }) for .ci/run's total.
import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const results = []
const run = async (name, check) => {
  const started = Date.now()
  try {
    await check()
    results.push({ name, ok: true })
    console.log(`  ok   ${name} (${Date.now() - started} ms)`)
  } catch (err) {
    results.push({ name, ok: false })
    console.log(`  FAIL ${name}: ${err instanceof Error ? err.message : String(err)}`)
  }
}
const assert = (condition, message) => {
  if (!condition) throw new Error(message)
}
const sh = (cmd, args, options = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options })

/** Runs a process to its end: { code, stdout, stderr }. */
function exec(cmd, args, options) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', (err) => resolve({ code: -1, stdout, stderr: `${stderr}${err.message}` }))
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

/** Every file under a folder with its size and mtime, to prove nothing was written there. */
function snapshot(dir) {
  const files = new Map()
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.isFile()) {
        const s = statSync(path)
        files.set(path, `${s.size}:${s.mtimeMs}`)
      }
    }
  }
  walk(dir)
  return files
}

const work = mkdtempSync(join(tmpdir(), 'ossvend-consumer-'))
const app = join(work, 'app')
const home = join(work, 'home')
mkdirSync(app)
mkdirSync(home)
const env = { PATH: process.env.PATH, HOME: home, XDG_DATA_HOME: join(home, 'data'), npm_config_cache: process.env.npm_config_cache ?? join(home, '.npm') }
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version
let installed = false

console.log(`consumer test in ${work}`)
await run('npm pack builds a tarball with dist/, the page assets, policies and LICENSE', () => {
  const [packed] = JSON.parse(sh('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] }))
  const files = new Set(packed.files.map((f) => f.path))
  for (const f of ['dist/index.js', 'dist/oss/index.js', 'dist/server.js', 'dist/cli/bin.js', 'dist/web/assets/index.html', 'dist/web/assets/aliyun-oss-sdk.min.js', 'dist/web/docs/index.html', 'dist/web/docs/swagger-ui-bundle.js', 'policies/templates/read-write.json', 'config.json', 'LICENSE', 'CHANGELOG.md', 'README.md']) {
    assert(files.has(f), `${f} is not in the tarball`)
  }
  assert(![...files].some((f) => f.startsWith('src/') || f.startsWith('test/')), 'the tarball carries src/ or test/')
  const map = JSON.parse(readFileSync(join(root, 'dist', 'index.js.map'), 'utf8'))
  assert(Array.isArray(map.sourcesContent) && map.sourcesContent.every((c) => typeof c === 'string'), 'source maps do not carry their sources')
  writeFileSync(join(work, 'tarball'), packed.filename)
})

await run('the tarball installs with --omit=dev, without an install-script warning', () => {
  const tarball = join(work, readFileSync(join(work, 'tarball'), 'utf8'))
  // The consumer's own decision for openapi-core's postinstall (a no-op on Node >= 14), as the README says.
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer-app', version: '1.0.0', private: true, allowScripts: { '@alicloud/openapi-core': false } }, null, 2))
  const out = execFileSync('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', tarball], { cwd: app, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  installed = true
  assert(!/install-scripts|warn/i.test(out), `npm install printed warnings:\n${out}`)
  const list = sh('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: app }).trim().split('\n').length - 1
  const mb = Number(sh('du', ['-sm', join(app, 'node_modules')]).split('\t')[0])
  console.log(`       footprint: ${list} packages, ${mb} MB in node_modules`)
  assert(!readdirSync(join(app, 'node_modules')).includes('ali-oss'), 'ali-oss was installed at run time')
})

const block = /```js\n([\s\S]*?)```/g
const readme = readFileSync(join(root, 'README.md'), 'utf8')
const section = /<!-- library-examples:start -->([\s\S]*?)<!-- library-examples:end -->/.exec(readme)?.[1] ?? ''
const examples = [...section.matchAll(block)].map((m) => m[1])
await run('the README has Library examples between its markers, ESM and require', () => {
  assert(examples.length >= 2, `found ${examples.length} examples`)
  assert(examples.some((e) => e.includes('require(')), 'no require example')
})
for (const [i, code] of examples.entries()) {
  const file = code.includes('require(') ? `example-${i}.cjs` : `example-${i}.mjs`
  await run(`README Library example ${i + 1} runs verbatim (${file})`, async () => {
    assert(installed, 'not installed')
    writeFileSync(join(app, file), code)
    const ran = await exec(process.execPath, [file], { cwd: app, env })
    assert(ran.code === 0, `exit ${ran.code}: ${ran.stderr}`)
    // What a console.log line prints is written in its comment: the README says what it shows.
    const expected = [...code.matchAll(/^console\.log\(.*\/\/ (.+)$/gm)].map((m) => m[1].trim())
    const got = ran.stdout.trimEnd().split('\n').filter(Boolean)
    assert(JSON.stringify(got) === JSON.stringify(expected), `printed ${JSON.stringify(got)}, the README says ${JSON.stringify(expected)}`)
  })
}

await run('each entry point imports (ESM) and requires (CommonJS), with its exports', async () => {
  const esm = `
    const root = await import('ossvend'); const oss = await import('ossvend/oss'); const server = await import('ossvend/server')
    const tpl = await import('ossvend/policies/templates/read-write.json', { with: { type: 'json' } })
    const want = { root: ['createSimulator', 'parsePolicy', 'evaluate', 'authorize', 'renderPolicy', 'probeSessionPolicy', 'loadBuiltInTemplate'],
      oss: ['presignUrlV1', 'presignUrlV4', 'authorizationV1', 'authorizationV4', 'buildPostFormV1', 'buildPostFormV4', 'verifyRequest', 'verifyPostForm', 'verifyCallback', 'encodeCallbackParam', 'crc64', 'crc64String', 'crc64Combine'],
      server: ['createApp', 'appMessageClasses', 'startServer', 'loadConfig'] }
    const mods = { root, oss, server }
    for (const [m, names] of Object.entries(want)) for (const n of names) if (typeof mods[m][n] !== 'function') throw new Error(m + ' lacks ' + n)
    if ('run' in root || 'startServer' in root) throw new Error('the root entry exposes the CLI or the server')
    if (!tpl.default.policy) throw new Error('template JSON')
    console.log('ok')`
  writeFileSync(join(app, 'entries.mjs'), esm)
  const a = await exec(process.execPath, ['entries.mjs'], { cwd: app, env })
  assert(a.code === 0 && a.stdout.trim() === 'ok', `ESM: ${a.stderr}`)
  const cjs = `
    for (const id of ['ossvend', 'ossvend/oss', 'ossvend/server']) { const m = require(id); if (Object.keys(m).length < 3) throw new Error(id) }
    require('ossvend/policies/role/app-role.json'); console.log('ok')`
  writeFileSync(join(app, 'entries.cjs'), cjs)
  const b = await exec(process.execPath, ['entries.cjs'], { cwd: app, env })
  assert(b.code === 0 && b.stdout.trim() === 'ok', `require: ${b.stderr}`)
})

await run('the root entry loads neither the server, the CLI, express, ioredis nor the Alibaba SDK', async () => {
  writeFileSync(join(app, 'hook.mjs'), `
    export async function resolve(specifier, context, next) { const r = await next(specifier, context); console.log('LOAD ' + r.url); return r }`)
  writeFileSync(join(app, 'register.mjs'), `import { register } from 'node:module'; register('./hook.mjs', import.meta.url)`)
  writeFileSync(join(app, 'root.mjs'), `await import('ossvend')`)
  const ran = await exec(process.execPath, ['--import', './register.mjs', 'root.mjs'], { cwd: app, env })
  assert(ran.code === 0, ran.stderr)
  const urls = ran.stdout.split('\n').filter((l) => l.startsWith('LOAD ')).map((l) => l.slice(5))
  const bad = urls.filter((u) => /\/ossvend\/dist\/(cli|http|sandbox|store|compose|sts|serve|server|main)/.test(u) || /node_modules\/(express|ioredis|@alicloud|pino)\//.test(u))
  assert(urls.length > 5, 'the hook saw nothing')
  assert(bad.length === 0, `loaded: ${bad.join(', ')}`)
})

const bin = join(app, 'node_modules', '.bin', 'ossvend')
await run('ossvend --version prints the package version', async () => {
  const ran = await exec(bin, ['--version'], { cwd: app, env })
  assert(ran.code === 0 && ran.stdout === `${version}\n`, `got ${ran.code} ${JSON.stringify(ran.stdout)}`)
})

await run('ossvend serve from the package: page and assets answer 200, nothing written in node_modules, SIGTERM stops it', async () => {
  const before = snapshot(join(app, 'node_modules'))
  const child = spawn(bin, ['serve'], { cwd: app, env: { ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise((resolve) => {
    child.on('error', () => resolve('spawn failed'))
    child.on('exit', (code) => resolve(code))
  })
  let out = ''
  let err = ''
  child.stderr.on('data', (d) => (err += d))
  try {
    await new Promise((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d
        if (out.includes('sandbox oss on ')) resolve()
      })
      exited.then((code) => reject(new Error(`exited ${code}: ${err}`)))
      setTimeout(() => reject(new Error(`no start-up lines in 60 s: ${out} ${err}`)), 60_000).unref()
    })
    const lines = out.trim().split('\n')
    assert(/^ossvend listening on http:\/\/127\.0\.0\.1:\d+$/.test(lines[0]) && /^sandbox sts on /.test(lines[1]) && /^sandbox oss on /.test(lines[2]), `lines: ${out}`)
    const base = lines[0].slice('ossvend listening on '.length)
    const page = await fetch(`${base}/`)
    assert(page.status === 200, `GET / ${page.status}`)
    const html = await page.text()
    const refs = [...html.matchAll(/(?:src|href)="([^"#]+)"/g)].map((m) => m[1]).filter((r) => !/^[a-z]+:/.test(r))
    assert(refs.length >= 3, `the page references ${refs.length} assets`)
    // Every asset the page references, and every module those scripts import, recursively.
    const queue = refs.map((ref) => new URL(ref, `${base}/`).href)
    const seen = new Set()
    while (queue.length > 0) {
      const url = queue.shift()
      if (seen.has(url)) continue
      seen.add(url)
      const asset = await fetch(url)
      assert(asset.status === 200, `${url}: ${asset.status}`)
      const body = await asset.text()
      if (/javascript/.test(asset.headers.get('content-type') ?? '') && !url.endsWith('.min.js')) {
        for (const m of body.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|^import\s*['"]([^'"]+)['"]/gm)) {
          queue.push(new URL(m[1] ?? m[2], url).href)
        }
      }
    }
    assert(seen.size > refs.length, `no module imports followed (${[...seen].join(', ')})`)
    // The API reference page and every asset it references (Swagger UI copied in at build time).
    const docs = await fetch(`${base}/docs`)
    assert(docs.status === 200, `GET /docs ${docs.status}`)
    const docsRefs = [...(await docs.text()).matchAll(/(?:src|href)="([^"#]+)"/g)].map((m) => m[1]).filter((r) => !/^[a-z]+:/.test(r))
    assert(docsRefs.length >= 3, `/docs references ${docsRefs.length} assets`)
    for (const ref of docsRefs) {
      const asset = await fetch(new URL(ref, `${base}/docs`).href)
      assert(asset.status === 200, `/docs asset ${ref}: ${asset.status}`)
    }
    const health = await fetch(`${base}/healthz`)
    assert(health.status === 200, `healthz ${health.status}`)
  } finally {
    child.kill('SIGTERM')
  }
  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 20_000))])
  assert(code === 0, `SIGTERM: exit ${code}`)
  const after = snapshot(join(app, 'node_modules'))
  const changed = [...after].filter(([f, s]) => before.get(f) !== s).map(([f]) => f)
  assert(changed.length === 0 && after.size === before.size, `written inside node_modules: ${changed.join(', ')}`)
  assert(readdirSync(join(home, 'data', 'ossvend', 'sandbox')).includes('root-credentials.json'), 'sandbox data not under XDG_DATA_HOME')
})

await run('a malformed config: one line on stderr, exit 78', async () => {
  writeFileSync(join(app, 'broken.json'), '{ "mode": "sandbox", }')
  const ran = await exec(bin, ['serve', 'broken.json'], { cwd: app, env })
  assert(ran.code === 78, `exit ${ran.code}`)
  assert(ran.stderr.trimEnd().split('\n').length === 1 && /broken\.json/.test(ran.stderr), `stderr: ${ran.stderr}`)
  assert(ran.stdout === '', `stdout: ${ran.stdout}`)
})

const passed = results.filter((r) => r.ok).length
const failed = results.length - passed
mkdirSync(join(root, 'test-results'), { recursive: true })
writeFileSync(join(root, 'test-results', 'consumer.json'), JSON.stringify({ passed, failed, results }))
console.log(`consumer: ${passed} passed, ${failed} failed`)
process.exitCode = failed === 0 ? 0 : 1
