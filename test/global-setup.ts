import { execFileSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Builds dist/ once, so end-to-end tests run the same code `npx ossvend` and `npm start` run. */
export default function setup(): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..')
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  })
  // As `npm run build` does: the page's assets (and ali-oss's browser bundle) beside the compiled
  // server, and the package bin executable for `npx ossvend`.
  execFileSync(process.execPath, [join(root, 'scripts', 'build-assets.mjs')], { cwd: root, stdio: 'inherit' })
}
