import { execFileSync } from 'node:child_process'
import { chmodSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Builds dist/ once, so end-to-end tests run the same code `npx ossvend` and `npm start` run. */
export default function setup(): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..')
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  })
  // As `npm run build` does: the package bin must be executable for `npx ossvend`.
  chmodSync(join(root, 'dist', 'cli', 'bin.js'), 0o755)
}
