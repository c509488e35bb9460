import { SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api'
import type { CredentialVendor } from '../grant/vend.js'
import type { StsClient } from '../sts/types.js'

/**
 * ossvend's spans go through @opentelemetry/api: without an SDK registered by the operator (see the
 * README, "Tracing") every call here is a no-op.
 */
export const tracer = () => trace.getTracer('ossvend')

/** Runs `work` inside a child span of the active one; the span records a thrown error and ends. */
export async function inSpan<T>(name: string, attributes: Attributes, work: (span: Span) => Promise<T>, kind: SpanKind = SpanKind.INTERNAL): Promise<T> {
  return tracer().startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await work(span)
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as { code?: string }).code ?? (err as Error).name })
      throw err
    } finally {
      span.end()
    }
  })
}

/** Each AssumeRole attempt in a client span of its own (retries show as several). */
export function tracedStsClient(client: StsClient): StsClient {
  return {
    assumeRole: (input) =>
      inSpan('sts.AssumeRole', { 'rpc.system': 'alibaba-sts', 'rpc.method': 'AssumeRole', 'ossvend.session_name': input.sessionName }, () => client.assumeRole(input), SpanKind.CLIENT),
  }
}

/** Vending in a span: cache lookup, and AssumeRole with its retries inside it when the cache misses. */
export function tracedVendor(vendor: CredentialVendor): CredentialVendor {
  return {
    ...vendor,
    vend: (principal, scope) =>
      inSpan('ossvend.vend', { 'ossvend.scope': scope ?? '' }, async (span) => {
        const result = await vendor.vend(principal, scope)
        span.setAttribute('ossvend.scope', result.scope)
        span.setAttribute('ossvend.cache', result.outcome)
        return result
      }),
  }
}

interface RedisLike {
  sendCommand(command: { name: string; promise: Promise<unknown> }, ...rest: unknown[]): unknown
}

/** Every command sent on an ioredis client in a client span (the command name only, never its arguments). */
export function traceRedisCommands(client: RedisLike): void {
  const send = client.sendCommand.bind(client)
  client.sendCommand = (command, ...rest) => {
    const span = tracer().startSpan(`redis ${command.name}`, { kind: SpanKind.CLIENT, attributes: { 'db.system': 'redis', 'db.operation.name': command.name } })
    const sent = send(command, ...rest)
    command.promise.then(
      () => span.end(),
      (err: unknown) => {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).name })
        span.end()
      },
    )
    return sent
  }
}
