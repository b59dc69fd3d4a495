// SPDX-License-Identifier: GPL-2.0-only
/* The web UI's files (userspace/api/ui/), built into the program as they are: served with
 * no token, they hold nothing but code; the data comes from the API with the token. */
#include "incbin.h"

INCBIN(api_ui_index_html, "userspace/api/ui/index.html", ".rodata");
INCBIN(api_ui_app_js, "userspace/api/ui/app.js", ".rodata");
INCBIN(api_ui_style_css, "userspace/api/ui/style.css", ".rodata");
INCBIN(api_ui_icon_svg, "userspace/api/ui/icon.svg", ".rodata");
INCBIN(api_ui_docs_html, "userspace/api/ui/docs.html", ".rodata");
INCBIN(api_ui_docs_js, "userspace/api/ui/docs.js", ".rodata");
