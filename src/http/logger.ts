import { pino, type DestinationStream, type Logger } from 'pino'

/**
 * Paths pino blanks out wherever they occur in a log object. Nothing secret is logged on purpose;
 * this is the second wall.
 */
export const REDACTED_PATHS = [
  'authorization',
  'password',
  'accessToken',
  'token',
  'secret',
  'AccessKeySecret',
  'accessKeySecret',
  'SecurityToken',
  'securityToken',
  'signature',
  'Signature',
  'req.headers.authorization',
  'req.headers.cookie',
  '*.authorization',
  '*.password',
  '*.accessToken',
  '*.token',
  '*.secret',
  '*.AccessKeySecret',
  '*.accessKeySecret',
  '*.SecurityToken',
  '*.securityToken',
  '*.signature',
  '*.Signature',
  'credentials.*',
]

export function createLogger(destination?: DestinationStream, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      level,
      base: { service: 'ossvend' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  )
}
