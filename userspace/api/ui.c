// SPDX-License-Identifier: GPL-2.0-only
/* The web UI's files (userspace/api/ui/), built into the program as they are: served with
 * no token, they hold nothing but code; the data comes from the API with the token. */
#define UI_FILE(sym, path)                             \
	__asm__(".section .rodata\n"                   \
		".global " #sym "\n"                   \
		".type " #sym ", @object\n" #sym ":\n" \
		".incbin \"" path "\"\n"               \
		".byte 0\n"                            \
		".size " #sym ", . - " #sym "\n"       \
		".previous\n")

UI_FILE(api_ui_index_html, "userspace/api/ui/index.html");
UI_FILE(api_ui_app_js, "userspace/api/ui/app.js");
UI_FILE(api_ui_style_css, "userspace/api/ui/style.css");
UI_FILE(api_ui_icon_svg, "userspace/api/ui/icon.svg");
UI_FILE(api_ui_docs_html, "userspace/api/ui/docs.html");
UI_FILE(api_ui_docs_js, "userspace/api/ui/docs.js");
