import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type { Router } from 'express'
import { serveAssets, servePage, type StaticAsset } from '../page-routes.js'

// src/web/docs in a checkout, dist/web/docs in the package: the build copies the page and Swagger
// UI's prebuilt bundle there, so an installed server needs neither src/ nor swagger-ui-dist.
const DOCS_DIR = new URL('../../web/docs/', import.meta.url)

const ASSETS: Readonly<Record<string, StaticAsset>> = {
  'swagger-ui.css': { file: docsFile('swagger-ui.css', true), type: 'text/css; charset=utf-8' },
  'swagger-ui-bundle.js': { file: docsFile('swagger-ui-bundle.js', true), type: 'text/javascript; charset=utf-8' },
  'favicon-32x32.png': { file: docsFile('favicon-32x32.png', true), type: 'image/png' },
  'docs.js': { file: docsFile('docs.js', false), type: 'text/javascript; charset=utf-8' },
  'docs.css': { file: docsFile('docs.css', false), type: 'text/css; charset=utf-8' },
}

/** A file of the docs directory; Swagger UI's files come from the devDependency in a checkout. */
function docsFile(name: string, fromSwaggerUi: boolean): string {
  const own = fileURLToPath(new URL(name, DOCS_DIR))
  if (!fromSwaggerUi || existsSync(own)) return own
  try {
    return createRequire(import.meta.url).resolve(`swagger-ui-dist/${name}`)
  } catch {
    return own
  }
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
  servePage(router, '/docs', readFileSync(fileURLToPath(new URL('index.html', DOCS_DIR)), 'utf8'), DOCS_CSP)
  serveAssets(router, '/docs', ASSETS, 'public, max-age=3600')
}
