// The page's configuration, embedded by the server in <body data-config>.
export const config = JSON.parse(document.body.dataset.config)
