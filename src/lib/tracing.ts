import { SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api'

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
