// SPDX-License-Identifier: GPL-2.0-only
/* Libraries loaded on demand (see dynlib.h). */
#include <dlfcn.h>
#include "dynlib.h"
#include "log.h"

int dynlib__load(void **lib, const char *soname, const char *package, void *also,
		 const struct dynlib_call *calls, size_t n)
{
	if (*lib)
		return 0;
	*lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!*lib) {
		pr_warn("this output needs %s (Debian: %s): %s\n", soname, package, dlerror());
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		*calls[i].slot = dlsym(*lib, calls[i].name);
		if (!*calls[i].slot && also)
			*calls[i].slot = dlsym(also, calls[i].name);
		if (!*calls[i].slot) {
			pr_warn("%s has no %s: %s\n", soname, calls[i].name, dlerror());
			dlclose(*lib);
			*lib = NULL;
			return -1;
		}
	}
	return 0;
}
