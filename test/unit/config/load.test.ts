import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigInvalidError } from '../../../src/errors.js'
import { loadConfig, loadConfigWithCredentials, parseConfig } from '../../../src/config/load.js'
import { ROOT } from '../../helpers/vectors.js'

const valid = {
  oss: { bucket: 'app-base-oss', region: 'cn-hangzhou', account: '1234' },
  policies: { scopes: { read: 'policies/templates/read.json' } },
}

describe('config', () => {
  it('loads the repository config.json with absolute paths and defaults', async () => {
    const config = await loadConfig({ path: join(ROOT, 'config.json'), env: {} })
    expect(config.mode).toBe('auto')
    expect(config.policies.defaultScope).toBe('read-write')
    expect(config.policies.scopes.read).toBe(join(ROOT, 'policies/templates/read.json'))
    expect(Object.isFrozen(config)).toBe(true)
  })

  it('lets PORT, HOST, OSSVEND_MODE and OSSVEND_STS_ENDPOINT from the environment override the file', () => {
    const config = parseConfig(valid, '/x/config.json', { PORT: '0', HOST: '::1', OSSVEND_MODE: 'cloud', OSSVEND_STS_ENDPOINT: 'http://127.0.0.1:9' })
    expect(config.server).toMatchObject({ host: '::1', port: 0 })
    expect(config.mode).toBe('cloud')
    expect(config.sts.endpoint).toBe('http://127.0.0.1:9')
  })

  it('takes the shared store from REDIS_URL over the file, and refuses a URL that is not redis', () => {
    expect(parseConfig(valid, '/x/c.json', {}).store).toEqual({ keyPrefix: 'ossvend:', dataDir: '/x/.data' })
    const fromFile = parseConfig({ ...valid, store: { redisUrl: 'redis://10.0.0.1:6379', keyPrefix: 'app1:' } }, '/x/c.json', {})
    expect(fromFile.store).toEqual({ redisUrl: 'redis://10.0.0.1:6379', keyPrefix: 'app1:', dataDir: '/x/.data' })
    expect(parseConfig(valid, '/x/c.json', { REDIS_URL: 'rediss://:pw@h:6380/2' }).store.redisUrl).toBe('rediss://:pw@h:6380/2')
    expect(() => parseConfig(valid, '/x/c.json', { REDIS_URL: 'http://h' })).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ pointer: '/store/redisUrl', code: 'config.redis-url' })] }),
    )
    expect(() => parseConfig({ ...valid, store: { redisUrl: 'h:6379' } }, '/x/c.json', {})).toThrow(ConfigInvalidError)
  })

  it('fills every default, and refuses inconsistent STS timing', () => {
    const config = parseConfig(valid, '/x/config.json', {})
    expect(config.sts).toMatchObject({ durationSec: 3600, refreshRatio: 0.5, minServeRatio: 0.25, maxAttempts: 3, roleArn: 'acs:ram::1234:role/ossvend-app' })
    expect(() => parseConfig({ ...valid, sts: { refreshRatio: 0.2, minServeRatio: 0.3, attemptTimeoutMs: 5000, deadlineMs: 1000 } }, '/x/c.json', {})).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ pointer: '/sts/minServeRatio' }), expect.objectContaining({ pointer: '/sts/attemptTimeoutMs' })] }),
    )
  })

  it('bounds the credential lifetime by the role maximum, and defaults the provider tokens and the URL switches', async () => {
    const shipped = await loadConfig({ path: join(ROOT, 'config.json'), env: {} })
    expect(shipped.sts).toMatchObject({ durationSec: 3600, maxSessionDurationSec: 3600 })
    const config = parseConfig(valid, '/x/config.json', {})
    expect(config.sts).toMatchObject({ maxSessionDurationSec: 3600, acceptSessionTokenInUrl: false, flatPlacement: false, providerTokens: { defaultTtlSec: 86400, maxTtlSec: 604800 } })
    // A config from before the setting: the duration it asks for is taken as the role's maximum.
    expect(parseConfig({ ...valid, sts: { durationSec: 7200 } }, '/x/c.json', {}).sts.maxSessionDurationSec).toBe(7200)
    expect(parseConfig({ ...valid, sts: { durationSec: 43200, maxSessionDurationSec: 43200 } }, '/x/c.json', {}).sts.durationSec).toBe(43200)
    expect(() => parseConfig({ ...valid, sts: { durationSec: 7200, maxSessionDurationSec: 3600 } }, '/x/c.json', {})).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ pointer: '/sts/durationSec', code: 'config.duration' })] }),
    )
    expect(() => parseConfig({ ...valid, sts: { maxSessionDurationSec: 1800 } }, '/x/c.json', {})).toThrow(ConfigInvalidError)
    expect(() => parseConfig({ ...valid, sts: { providerTokens: { defaultTtlSec: 700000, maxTtlSec: 600000 } } }, '/x/c.json', {})).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ pointer: '/sts/providerTokens/defaultTtlSec' })] }),
    )
  })

  it('reads the official sample server config as a migration path, with warnings and the secret kept apart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ossvend-legacy-'))
    const path = join(dir, 'config.json')
    writeFileSync(path, JSON.stringify({ AccessKeyID: 'legacy-id', AccessKeySecret: 'legacy-secret', RoleArn: 'acs:ram::5678:role/app', TokenExpireTime: '900', PolicyFile: 'policy/all_policy.txt' }))
    const { config, legacyCredentials } = await loadConfigWithCredentials({ path, env: {} })
    expect(config.sts).toMatchObject({ roleArn: 'acs:ram::5678:role/app', durationSec: 900 })
    expect(config.oss.account).toBe('5678')
    expect(config.mode).toBe('cloud')
    expect(Object.keys(config.policies.scopes)).toEqual(['read', 'write', 'read-write'])
    expect(legacyCredentials).toEqual({ accessKeyId: 'legacy-id', accessKeySecret: 'legacy-secret' })
    expect(JSON.stringify(config)).not.toContain('legacy-secret')
    expect(config.warnings.join('\n')).toMatch(/secrets in files are unsafe[\s\S]*PolicyFile is not used/)
    writeFileSync(path, JSON.stringify({ RoleArn: 'acs:ram::5678:role/app', TokenExpireTime: '60', Extra: 1 }))
    await expect(loadConfigWithCredentials({ path, env: {} })).rejects.toMatchObject({ issues: [expect.objectContaining({ pointer: '/Extra' })] })
  })

  it('reports every issue with its path, and unknown keys with a hint', () => {
    try {
      parseConfig(
        { oss: { bucket: 'Bad_Bucket', region: 'cn-hangzhou', acount: '1' }, policies: { scopes: {}, defaultScope: 'x' }, Mode: 'auto' },
        '/x/config.json',
        {},
      )
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigInvalidError)
      const issues = (err as ConfigInvalidError).issues.map((i) => `${i.pointer} ${i.code}`).sort()
      expect(issues).toEqual([
        '/Mode schema.unknown-property',
        '/oss/account schema.required',
        '/oss/acount schema.unknown-property',
        '/oss/bucket schema.pattern',
        '/policies/scopes schema.minProperties',
      ])
      expect((err as ConfigInvalidError).issues.find((i) => i.pointer === '/Mode')?.message).toContain('did you mean "mode"')
    }
  })

  it('refuses a default scope that does not exist and a bad PORT together', () => {
    expect(() => parseConfig({ ...valid, policies: { ...valid.policies, defaultScope: 'write' } }, '/x/c.json', { PORT: 'eighty' })).toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIG_INVALID',
        issues: [expect.objectContaining({ pointer: '/policies/defaultScope' }), expect.objectContaining({ pointer: '/server/port' })],
      }),
    )
  })

  it('takes the page scope from policies.pageScope, the default scope without it, and refuses an unknown one', () => {
    const two = { ...valid, policies: { scopes: { read: 'r.json', write: 'w.json' }, defaultScope: 'read' } }
    expect(parseConfig(two, '/x/c.json', {}).policies.pageScope).toBe('read')
    expect(parseConfig({ ...two, policies: { ...two.policies, pageScope: 'write' } }, '/x/c.json', {}).policies.pageScope).toBe('write')
    expect(() => parseConfig({ ...two, policies: { ...two.policies, pageScope: 'levels' } }, '/x/c.json', {})).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID', issues: [expect.objectContaining({ pointer: '/policies/pageScope', code: 'config.scope-unknown' })] }),
    )
  })

  it('reports broken JSON with its line and an unreadable file clearly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ossvend-config-'))
    writeFileSync(join(dir, 'config.json'), '{\n  "oss": {},\n}\n')
    await expect(loadConfig({ path: join(dir, 'config.json') })).rejects.toMatchObject({
      code: 'ERR_CONFIG_INVALID',
      issues: [{ code: 'json.syntax', message: expect.stringContaining('line 3, column 1') }],
    })
    await expect(loadConfig({ path: join(dir, 'missing.json') })).rejects.toMatchObject({ issues: [{ code: 'config.unreadable' }] })
  })
})
