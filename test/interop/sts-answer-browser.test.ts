import { describe, expect, it } from 'vitest'
import { useServerAndChromium } from '../helpers/browser.js'

const fixture = useServerAndChromium()

describe('the ali-oss browser build in Chromium, refreshSTSToken returning the /v1/sts answer as-is', () => {
  it('keeps endpoint, bucket and region through every refresh and uploads with each fresh answer', async () => {
    const page = await fixture.browser.newPage()
    // ossvend's own page loads the ali-oss browser build (aliyun-oss-sdk.min.js) and is an allowed CORS origin.
    await page.goto(fixture.server.url)
    await page.waitForFunction(() => 'OSS' in globalThis)
    const result = await page.evaluate(async () => {
      const login = await fetch('/v1/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'alice-sandbox-password' }) })
      const { accessToken } = (await login.json()) as { accessToken: string }
      let refreshes = 0
      // The pattern web apps copy: the answer goes to ali-oss untouched.
      const fetchSts = async () => {
        refreshes++
        return (await fetch('/v1/sts?scope=read-write', { headers: { authorization: `Bearer ${accessToken}` } })).json() as Promise<{ AccessKeyId: string; AccessKeySecret: string; SecurityToken: string; Placement: { Endpoint: string; Bucket: string; Region: string; Prefix: string } }>
      }
      const sts = await fetchSts()
      const OSS = (globalThis as unknown as { OSS: new (o: object) => { options: { endpoint: { host: string }; bucket: string; region: string }; put(key: string, body: Blob): Promise<{ res: { status: number } }> } }).OSS
      const client = new OSS({
        accessKeyId: sts.AccessKeyId,
        accessKeySecret: sts.AccessKeySecret,
        stsToken: sts.SecurityToken,
        refreshSTSToken: fetchSts,
        refreshSTSTokenInterval: 0,
        endpoint: sts.Placement.Endpoint,
        bucket: sts.Placement.Bucket,
        region: `oss-${sts.Placement.Region}`,
      })
      const host = client.options.endpoint.host
      const statuses: number[] = []
      for (let i = 0; i < 3; i++) statuses.push((await client.put(`${sts.Placement.Prefix}browser-refresh-${i}.txt`, new Blob([`n${i}`]))).res.status)
      return { statuses, refreshes, sameHost: client.options.endpoint.host === host, bucket: client.options.bucket, region: client.options.region }
    })
    expect(result).toEqual({ statuses: [200, 200, 200], refreshes: expect.any(Number), sameHost: true, bucket: 'app-base-oss', region: 'oss-cn-hangzhou' })
    // The first answer, then at least one refresh merged into the options per later request.
    expect(result.refreshes).toBeGreaterThanOrEqual(3)
    await page.close()
  })
})
