/** Kept apart from serve.ts so that the CLI's usage text does not load the server. */
export const SERVE_USAGE = `ossvend serve [CONFIG | --config FILE]
                 the server (what npm start runs); the file comes from CONFIG, --config or
                 OSSVEND_CONFIG, else the built-in sandbox defaults (data in OSSVEND_DATA_DIR,
                 default $XDG_DATA_HOME/ossvend)`
