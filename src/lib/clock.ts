/** Time as a dependency: tests pass a fixed or advancing clock. */
export type Clock = () => Date

export const systemClock: Clock = () => new Date()

/** STS's own timestamp form, `YYYY-MM-DDTHH:mm:ssZ`: no milliseconds (the iOS SDK cannot parse them). */
export function toStsTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`
}
