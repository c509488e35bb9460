import { Type } from '@sinclair/typebox'
import { json, type OperationSpec } from './common.js'

export const HealthAnswer = Type.Object({ status: Type.Literal('ok') })
const Store = Type.Union([Type.Literal('memory'), Type.Literal('redis'), Type.Literal('redis-down')])
export const ReadyAnswer = Type.Object({ status: Type.Literal('ready'), store: Store })
export const NotReadyAnswer = Type.Object({
  status: Type.Literal('not-ready'),
  reasons: Type.Array(Type.Union([Type.Literal('shutting-down'), Type.Literal('sts-credentials-refused'), Type.Literal('sts-unavailable')])),
  store: Store,
})

const html = { 'text/html': { schema: Type.String() } }

const AssetName = Type.Object({ name: Type.String({ pattern: '^[A-Za-z0-9._-]+$', description: 'A file name the page references', examples: ['app.js'] }) })
const asset = {
  'text/javascript': { schema: Type.String() },
  'text/css': { schema: Type.String() },
}

export const META_OPERATIONS: readonly OperationSpec[] = [
  {
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    tags: ['operations'],
    summary: 'Liveness: the process answers',
    security: 'public',
    responses: { '200': { description: 'Alive', content: json(HealthAnswer, { status: 'ok' }) } },
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    tags: ['operations'],
    summary: 'Readiness: credentials can be vended now',
    security: 'public',
    responses: {
      '200': { description: 'Ready', content: json(ReadyAnswer, { status: 'ready', store: 'memory' }) },
      '503': { description: 'Not ready, with the reasons', content: json(NotReadyAnswer, { status: 'not-ready', reasons: ['shutting-down'], store: 'memory' }) },
    },
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    tags: ['operations'],
    summary: 'Prometheus metrics (text exposition format)',
    security: 'public',
    responses: { '200': { description: 'Metrics', content: { 'text/plain': { schema: Type.String() } } } },
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    tags: ['operations'],
    summary: 'This document (OpenAPI 3.1)',
    security: 'public',
    responses: { '200': { description: 'The OpenAPI document', content: json(Type.Object({ openapi: Type.String({ pattern: '^3\\.1\\.' }) })) } },
  },
  {
    method: 'get',
    path: '/docs',
    operationId: 'getApiReference',
    tags: ['operations'],
    summary: 'A browsable reference of this document',
    security: 'public',
    responses: { '200': { description: 'The reference page', headers: ['Content-Security-Policy'], content: html } },
  },
  {
    method: 'get',
    path: '/docs/{name}',
    operationId: 'getApiReferenceAsset',
    tags: ['operations'],
    summary: 'A script or style sheet of the reference page (only the files it references)',
    security: 'public',
    pathParams: AssetName,
    responses: { '200': { description: 'The file', content: { ...asset, 'image/png': { schema: Type.String({ contentEncoding: 'binary' }) } } } },
    errors: ['ERR_NOT_FOUND'],
  },
  {
    method: 'get',
    path: '/assets/{name}',
    operationId: 'getUploadPageAsset',
    tags: ['web'],
    summary: 'A script or style sheet of the upload page (only the files it references)',
    security: 'public',
    pathParams: AssetName,
    responses: { '200': { description: 'The file', content: asset } },
    errors: ['ERR_NOT_FOUND'],
  },
  {
    method: 'get',
    path: '/assets/js/{name}',
    operationId: 'getUploadPageModule',
    tags: ['web'],
    summary: 'An ES module of the upload page (only the page\'s own modules)',
    security: 'public',
    pathParams: AssetName,
    responses: { '200': { description: 'The module', content: { 'text/javascript': asset['text/javascript'] } } },
    errors: ['ERR_NOT_FOUND'],
  },
  {
    method: 'get',
    path: '/',
    operationId: 'getUploadPage',
    tags: ['web'],
    summary: 'The upload page',
    security: 'public',
    responses: { '200': { description: 'The page', headers: ['Content-Security-Policy'], content: html } },
  },
]
