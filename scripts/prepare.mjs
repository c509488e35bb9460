// `prepare` (npm install, npm ci, npm pack): builds dist/ when the compiler is installed. Without
// it (`npm ci --omit=dev`) an existing build is kept, so production installs need no dev tools.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
let hasCompiler = true
try {
  createRequire(join(root, 'package.json')).resolve('typescript')
} catch {
  hasCompiler = false
}
if (hasCompiler) {
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' })
} else if (existsSync(join(root, 'dist', 'main.js'))) {
  console.log('ossvend: no TypeScript compiler (dev dependencies omitted); keeping the existing dist/')
} else {
  console.error('ossvend: dist/ is not built and TypeScript is not installed: run "npm ci" (with dev dependencies) once, or "npm run build"')
  process.exit(1)
}
