import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'

describe('ossvend matrix', () => {
  it('prints the seed table for a policy', async () => {
    const r = await runCli(['matrix', '--policy', 'policies/seed/p5-write-only-prefix.json'])
    expect(r.code).toBe(0)
    expect(r.stdout.split('\n').slice(0, 8)).toEqual([
      'Operation                Result      Decision',
      'List buckets             Failed      ImplicitDeny',
      'Upload test.txt          Failed      ImplicitDeny',
      'Download test.txt        Failed      ImplicitDeny',
      'Upload user1/test.txt    Successful  Allow',
      'Download user1/test.txt  Failed      ImplicitDeny',
      'List without prefix      Failed      ImplicitDeny',
      'List with prefix user1/  Failed      ImplicitDeny',
    ])
  })

  it('takes another user and prints JSON', async () => {
    const r = await runCli(['matrix', '--policy', 'policies/seed/p7-read-write-prefix.json', '--user', 'user2', '--json'])
    const cells = JSON.parse(r.stdout) as { id: string; label: string; result: string }[]
    expect(cells.find((c) => c.id === 'put-user')).toEqual({ id: 'put-user', label: 'Upload user2/test.txt', decision: 'ImplicitDeny', result: 'Failed' })
  })

  it('requires --policy', async () => {
    expect((await runCli(['matrix'])).code).toBe(64)
  })
})
