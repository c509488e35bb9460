// npm run bench: every benchmark in this folder, a table each, and last one JSON line with all figures.
import { cpus } from 'node:os'
import { printTable } from './measure.mjs'

const only = process.argv.slice(2)
const suites = ['policy', 'sign', 'http', 'sandbox', 'redis'].filter((name) => only.length === 0 || only.includes(name))
const figures = {}
for (const name of suites) {
  const mod = await import(`./${name}.mjs`)
  const result = await mod.run()
  console.log(`\n== bench/${result.name}`)
  printTable([['measure', 'time', 'note'], ...result.rows])
  figures[result.name] = result.figures
}
figures.machine = { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length }
console.log(JSON.stringify(figures))
