import { aclRoutes } from './acl.js'
import { appendRoutes } from './append.js'
import { bucketRoutes } from './bucket.js'
import type { OssCall, OssRoute } from './context.js'
import { multipartRoutes } from './multipart.js'
import { objectRoutes } from './objects.js'

/**
 * Every operation the sandbox serves after authentication, in the order they are tried: the
 * first whose `matches` holds handles the request. Sub-resources (`?acl`, `?uploads`,
 * `?append`) come before the plain object operations.
 */
export const OSS_ROUTES: readonly OssRoute[] = [...aclRoutes, ...multipartRoutes, ...appendRoutes, ...objectRoutes, ...bucketRoutes]

export function findRoute(call: OssCall): OssRoute | undefined {
  return OSS_ROUTES.find((route) => route.matches(call))
}
