// SPDX-License-Identifier: GPL-2.0-only
/* The OpenAPI document, userspace/api/openapi.json, built into the program as it is. */
__asm__(".section .rodata\n"
	".global api_openapi_json\n"
	".type api_openapi_json, @object\n"
	"api_openapi_json:\n"
	".incbin \"userspace/api/openapi.json\"\n"
	".byte 0\n"
	".size api_openapi_json, . - api_openapi_json\n"
	".previous\n");
