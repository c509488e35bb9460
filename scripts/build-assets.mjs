// Completes `npm run build` after tsc: the storage browser page's assets go next to the compiled server
// (dist/web/assets), with ali-oss's browser bundle copied in, and the /docs page with Swagger UI's
// bundle (dist/web/docs), so the package needs neither src/ nor ali-oss nor swagger-ui-dist at run
// time; and the CLI entry becomes executable for `npx ossvend`.
import { chmodSync, copyFileSync, cpSync, mkdirSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const from = join(root, 'src', 'web', 'assets')
const to = join(root, 'dist', 'web', 'assets')
// With the page's ES modules under js/.
cpSync(from, to, { recursive: true })
const bundle = createRequire(join(root, 'package.json')).resolve('ali-oss/dist/aliyun-oss-sdk.min.js')
copyFileSync(bundle, join(to, 'aliyun-oss-sdk.min.js'))
// The /docs page and Swagger UI's prebuilt bundle (so swagger-ui-dist is a devDependency too).
const docsFrom = join(root, 'src', 'web', 'docs')
const docsTo = join(root, 'dist', 'web', 'docs')
mkdirSync(docsTo, { recursive: true })
for (const name of readdirSync(docsFrom)) copyFileSync(join(docsFrom, name), join(docsTo, name))
const swaggerUi = dirname(createRequire(join(root, 'package.json')).resolve('swagger-ui-dist/package.json'))
for (const name of ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png']) copyFileSync(join(swaggerUi, name), join(docsTo, name))
chmodSync(join(root, 'dist', 'cli', 'bin.js'), 0o755)
