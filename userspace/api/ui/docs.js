// SPDX-License-Identifier: GPL-2.0-only
// /docs: swagger-ui over the server's own contract; "Authorize" takes the API token.
"use strict";
window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger", deepLinking: true,
  validatorUrl: null, tryItOutEnabled: true });
