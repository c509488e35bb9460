import { Type, type Static } from '@sinclair/typebox'
import { AUTH_ERRORS, ScopeName, json, type OperationSpec } from './common.js'

export const AreasQuery = Type.Object({ scope: Type.Optional(ScopeName) })
export type AreasQuery = Static<typeof AreasQuery>

const Verb = Type.Union([Type.Literal('read'), Type.Literal('list'), Type.Literal('write'), Type.Literal('delete')])

export const Area = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', description: 'Stable, unique within the answer' }),
    label: Type.String(),
    bucket: Type.String(),
    endpoint: Type.String({ description: 'The OSS endpoint for this bucket (the same value /v1/sts gives in Placement.Endpoint for it)' }),
    cname: Type.Boolean({ description: 'True when endpoint is a custom domain bound to this bucket' }),
    prefix: Type.String({ description: 'A full OSS key prefix, ending in "/"' }),
    verbs: Type.Array(Verb, { description: 'What the caller may do under prefix, as the scope\'s rules (or its policy) decide' }),
  },
  { title: 'Area' },
)

export const AreasAnswer = Type.Object(
  {
    scope: ScopeName,
    region: Type.String(),
    areas: Type.Array(Area),
  },
  { title: 'Areas' },
)

const example = {
  scope: 'levels',
  region: 'cn-hangzhou',
  areas: [
    { id: 'public', label: 'Public', bucket: 'app-base-oss', endpoint: 'https://oss-cn-hangzhou.aliyuncs.com', cname: false, prefix: 'public/', verbs: ['read', 'list', 'write', 'delete'] },
    { id: 'protected', label: 'Protected (everyone\'s shared files)', bucket: 'app-base-oss', endpoint: 'https://oss-cn-hangzhou.aliyuncs.com', cname: false, prefix: 'protected/', verbs: ['read', 'list'] },
    { id: 'protected-mine', label: 'Protected (mine)', bucket: 'app-base-oss', endpoint: 'https://oss-cn-hangzhou.aliyuncs.com', cname: false, prefix: 'protected/alice/', verbs: ['read', 'list', 'write', 'delete'] },
    { id: 'private', label: 'Private', bucket: 'app-base-oss', endpoint: 'https://oss-cn-hangzhou.aliyuncs.com', cname: false, prefix: 'private/alice/', verbs: ['read', 'list', 'write', 'delete'] },
  ],
}

export const AREAS_OPERATIONS: readonly OperationSpec[] = [
  {
    method: 'get',
    path: '/v1/areas',
    operationId: 'getAreas',
    tags: ['credentials'],
    summary: 'The storage areas a scope gives the caller (bucket, prefix, verbs), for a storage browser',
    description:
      'A path-rules scope answers one area per rule and role that grants the caller a directory (the caller\'s own `{user}` areas end in "-mine" when the rule also shares the area); a template scope answers one area, "home", the caller\'s prefix, with the verbs its policy grants there. Credentials for every area come from one GET /v1/sts?scope=NAME.',
    security: 'bearer',
    query: AreasQuery,
    responses: { '200': { description: 'The caller\'s areas', headers: ['Cache-Control'], content: json(AreasAnswer, example) } },
    errors: ['ERR_REQUEST_INVALID', ...AUTH_ERRORS, 'ERR_SCOPE_UNKNOWN', 'ERR_SCOPE_FORBIDDEN', 'ERR_TEMPLATE_VALUE', 'ERR_CLAIM_UNUSABLE', 'ERR_INTERNAL'],
  },
]
