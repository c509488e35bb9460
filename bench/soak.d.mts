export interface SoakResult {
  readonly seconds: number
  readonly operations: number
  readonly logins: number
  readonly sts: number
  readonly signedUrls: number
  readonly uploads: number
  /** Uploads whose PostObject answer was ossvend's own callback answer. */
  readonly callbacksAnswered: number
  /** Of the uploads the log keeps (each user's last 1,000), how many it lists. */
  readonly callbacksListed: number
  readonly callbacksLost: number
  readonly sts503: number
  readonly stsCalls: number
  readonly stsFaults: number
  readonly unexpected: readonly string[]
  readonly unexpectedCount: number
  readonly secretsChecked: number
  readonly secretsInLogs: number
  readonly heapWarmMB: number
  readonly heapEndMB: number
  /** Median heap in the last quarter over the median in the second quarter, minus one. */
  readonly heapGrowth: number
}

export function runSoak(options?: { seconds?: number; faultRate?: number }): Promise<SoakResult>
