import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Router } from 'express'
import { pageHeaders } from '../security-headers.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
// Swagger UI's prebuilt browser bundle, served from the installed package: no CDN.
const SWAGGER_UI = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))

const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  'swagger-ui.css': { file: join(SWAGGER_UI, 'swagger-ui.css'), type: 'text/css; charset=utf-8' },
  'swagger-ui-bundle.js': { file: join(SWAGGER_UI, 'swagger-ui-bundle.js'), type: 'text/javascript; charset=utf-8' },
  'favicon-32x32.png': { file: join(SWAGGER_UI, 'favicon-32x32.png'), type: 'image/png' },
  'docs.js': { file: join(ROOT, 'src/web/docs/docs.js'), type: 'text/javascript; charset=utf-8' },
  'docs.css': { file: join(ROOT, 'src/web/docs/docs.css'), type: 'text/css; charset=utf-8' },
}

/**
 * The page allows this server's scripts, styles, images and the document fetch, nothing else.
 * Swagger UI sets element styles from script (allowed under style-src) and draws its icons from
 * data: images.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

/** GET /docs: a browsable reference of /openapi.json, and its assets under /docs/. */
export function docsRoutes(router: Router): void {
  const page = readFileSync(join(ROOT, 'src/web/docs/index.html'), 'utf8')
  const headers = pageHeaders({ contentSecurityPolicy: false, crossOriginEmbedderPolicy: false })
  router.get('/docs', (_req, res) => {
    headers(res)
    res.setHeader('Content-Security-Policy', DOCS_CSP)
    res.setHeader('Cache-Control', 'no-cache')
    res.type('html').send(page)
  })
  router.get('/docs/:asset', (req, res, next) => {
    const asset = ASSETS[req.params.asset]
    if (!asset) {
      next()
      return
    }
    res.setHeader('Content-Type', asset.type)
    res.setHeader('Cache-Control', 'public, max-age=3600')
    res.sendFile(asset.file)
  })
}
