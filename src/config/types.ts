/** `config.json` after validation; paths are absolute, every default is filled in. */
export interface Config {
  readonly source: string
  readonly mode: 'auto' | 'sandbox' | 'cloud'
  readonly server: { readonly host: string; readonly port: number }
  readonly oss: { readonly bucket: string; readonly region: string; readonly account: string }
  readonly policies: {
    /** Scope name to absolute template path. */
    readonly scopes: Readonly<Record<string, string>>
    readonly defaultScope: string
    readonly rolePolicies: readonly string[]
    readonly referer?: string
  }
}
