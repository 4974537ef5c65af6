// The named-query API page: Swagger UI over the OpenAPI document. A file of its own, not an
// inline script, so that the Content-Security-Policy can forbid inline scripts.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("vetgraph-api-config").textContent);
  window.vetgraphApiDocs = SwaggerUIBundle({
    url: config.url,
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true,
    docExpansion: "list",
    defaultModelsExpandDepth: -1
  });
})();
