/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_CTR_JSON_H
#define WHOFLOW_CTR_JSON_H

#include <stddef.h>
#include "ctr_meta.h"

/*
 * Container runtimes' JSON, decoded into struct ctr_meta (json-c). Pure: the
 * bytes in, the fields out. Every function returns CTR_JSON_OK, or
 * CTR_JSON_BAD when the bytes are not the document it reads (not JSON, not
 * an object, no id): nothing in out is to be used then.
 */
enum ctr_json_status {
	CTR_JSON_OK = 0,
	CTR_JSON_BAD = -1,
	CTR_JSON_IGNORED = 1, /* an event about something else than a container */
};

/* Docker's (and Podman's compatible) GET /containers/{id}/json. */
int ctr_json__inspect(const char *buf, size_t len, const struct ctr_allow *allow,
		      struct ctr_meta *out);

/*
 * One line of GET /events: a container's event carries its name, image and
 * labels in Actor.Attributes (create, start, rename, die, destroy, ...).
 * die and destroy set out->exited.
 */
int ctr_json__event(const char *buf, size_t len, const struct ctr_allow *allow,
		    struct ctr_meta *out);

/*
 * An OCI runtime bundle's config.json, as containerd writes it for each task:
 * the CRI's annotations (io.kubernetes.cri.*: container and image names, the
 * pod's name, namespace and uid) or nerdctl's (nerdctl/name). id is the
 * task's id (the bundle's directory name); CTR_JSON_IGNORED when no
 * annotation names anything.
 */
int ctr_json__oci_config(const char *buf, size_t len, const char *id,
			 const struct ctr_allow *allow, struct ctr_meta *out);

/* "repo/name:tag" or "name@sha256:..." split into name and tag. */
void ctr_json__split_image(const char *ref, struct ctr_meta *out);

#endif
