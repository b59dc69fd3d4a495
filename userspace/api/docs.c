// SPDX-License-Identifier: GPL-2.0-only
/* /docs: swagger-ui-dist, which make deps installs from npm (tests/npm/package.json pins it),
 * built into the program as its other files are. A build without it serves a page that says
 * how to get it. */
#include <stdbool.h>

#ifdef WHOFLOW_SWAGGER_DIR
#include "incbin.h"

/* A section of their own, away from the data every run reads: otherwise the kernel's
 * fault-around makes a megabyte of them resident in every monitor. */
#define DOCS_FILE(sym, path) INCBIN(sym, path, ".whoflow_docs")
DOCS_FILE(api_docs_bundle_js, WHOFLOW_SWAGGER_DIR "/swagger-ui-bundle.js");
DOCS_FILE(api_docs_css, WHOFLOW_SWAGGER_DIR "/swagger-ui.css");
const bool api_docs_built = true;
#else
const char api_docs_bundle_js[] = "";
const char api_docs_css[] = "";
const bool api_docs_built = false;
#endif
