import { Type } from '@sinclair/typebox'
import { AUTH_ERRORS, json, type OperationSpec } from './common.js'

export const UploadRecord = Type.Object({
  key: Type.String(),
  size: Type.Integer({ minimum: 0 }),
  etag: Type.String(),
  crc64: Type.String(),
  mimeType: Type.String(),
  at: Type.String({ format: 'date-time' }),
})

export const CallbackAnswer = Type.Composite([Type.Object({ Status: Type.Literal('OK') }), UploadRecord])

export const UploadsAnswer = Type.Object({ uploads: Type.Array(UploadRecord, { description: 'Newest first' }) })

export const UPLOAD_OPERATIONS: readonly OperationSpec[] = [
  {
    method: 'post',
    path: '/v1/oss/callback',
    operationId: 'ossUploadCallback',
    tags: ['uploads'],
    summary: 'OSS upload callback',
    description:
      'Called by OSS after an upload. The RSA-MD5 signature (over the raw body), the public key URL\'s host and the server\'s own ticket inside the signed body are verified before anything is recorded; the same upload reported twice is refused.',
    security: 'public',
    body: {
      required: true,
      content: {
        'application/x-www-form-urlencoded': { schema: Type.Record(Type.String(), Type.String()) },
        'application/json': { schema: Type.Record(Type.String(), Type.Unknown()) },
      },
    },
    responses: { '200': { description: 'Recorded; OSS passes this body on to the uploader', content: json(CallbackAnswer) } },
    errors: ['ERR_CALLBACK_UNVERIFIED', 'ERR_CALLBACK_REPLAYED', 'ERR_PAYLOAD_TOO_LARGE', 'ERR_STORE_UNAVAILABLE'],
  },
  {
    method: 'get',
    path: '/v1/uploads',
    operationId: 'listUploads',
    tags: ['uploads'],
    summary: 'The caller\'s verified uploads, newest first',
    security: 'bearer',
    responses: { '200': { description: 'Uploads', headers: ['Cache-Control'], content: json(UploadsAnswer) } },
    errors: [...AUTH_ERRORS, 'ERR_STORE_UNAVAILABLE'],
  },
]
