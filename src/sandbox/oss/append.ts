import type { OssRoute } from './context.js'
import { OssFailure } from './failure.js'

/** AppendObject. */
export const appendRoutes: readonly OssRoute[] = [
  {
    name: 'AppendObject',
    matches: (c) => c.target.key !== '' && c.has('append'),
    handle: () => {
      throw new OssFailure('NotImplemented', 'AppendObject is not implemented by the sandbox yet.')
    },
  },
]
