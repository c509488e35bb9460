// Preloaded into the server under soak (node --expose-gc --require): SIGUSR2 runs a full garbage
// collection, so the heap read right after is what the process keeps alive, not garbage waiting.
process.on('SIGUSR2', () => globalThis.gc?.())
