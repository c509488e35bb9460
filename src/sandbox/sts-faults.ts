/** What the sandbox STS does instead of answering normally, for reliability tests. */
export type StsFaultMode = 'none' | 'server-error' | 'throttle' | 'drop' | 'hang' | 'malformed' | 'no-permission' | 'policy-grammar'

export interface StsFaultSettings {
  readonly mode: StsFaultMode
  /** Added before every answer, faulty or not. */
  readonly latencyMs: number
  /** How many requests the fault applies to; then it clears itself. */
  readonly remaining: number
  /** The share of requests (0..1) the fault hits while it lasts. */
  readonly probability: number
  /** `x-acs-retry-after` (ms) on throttling answers. */
  readonly retryAfterMs: number
}

export const NO_FAULT: StsFaultSettings = { mode: 'none', latencyMs: 0, remaining: Infinity, probability: 1, retryAfterMs: 1000 }

export class StsFaults {
  #settings: StsFaultSettings = NO_FAULT
  readonly #random: () => number

  constructor(random: () => number = Math.random) {
    this.#random = random
  }

  set(settings: Partial<StsFaultSettings>): StsFaultSettings {
    this.#settings = { ...NO_FAULT, ...settings }
    return this.#settings
  }

  get settings(): StsFaultSettings {
    return this.#settings
  }

  /** Decides the fault for one request and counts it down. */
  next(): { mode: StsFaultMode; latencyMs: number; retryAfterMs: number } {
    const s = this.#settings
    const hit = s.mode !== 'none' && s.remaining > 0 && this.#random() < s.probability
    if (hit && Number.isFinite(s.remaining)) {
      this.#settings = s.remaining - 1 <= 0 ? { ...NO_FAULT, latencyMs: s.latencyMs } : { ...s, remaining: s.remaining - 1 }
    }
    return { mode: hit ? s.mode : 'none', latencyMs: s.latencyMs, retryAfterMs: s.retryAfterMs }
  }
}
