// SPDX-License-Identifier: GPL-2.0-only
/* The OpenAPI document, userspace/api/openapi.json, built into the program as it is. */
#include "incbin.h"

INCBIN(api_openapi_json, "userspace/api/openapi.json", ".rodata");
