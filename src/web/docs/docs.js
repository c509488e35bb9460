// Renders /openapi.json with Swagger UI, served from this server; nothing is fetched elsewhere.
/* global SwaggerUIBundle */
SwaggerUIBundle({
  url: 'openapi.json',
  dom_id: '#reference',
  deepLinking: true,
  // The default would send the document to validator.swagger.io.
  validatorUrl: null,
  tryItOutEnabled: false,
  supportedSubmitMethods: ['get', 'post'],
})
