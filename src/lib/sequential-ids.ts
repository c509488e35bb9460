/**
 * Ids unique within a process at the cost of a counter: `prefix` (random, made once by the caller)
 * then the count in hexadecimal, `width` digits (wrapping after 16^width ids).
 */
export function sequentialIds(prefix: string, width: number): () => string {
  const wrap = 16 ** width
  let count = 0
  return () => {
    const id = prefix + count.toString(16).padStart(width, '0')
    count = (count + 1) % wrap
    return id
  }
}
