/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_CTR_META_H
#define WHOFLOW_CTR_META_H

#include <stdbool.h>
#include "container.h"

/* What a container runtime says of one container (proto/ctr_json.c decodes it). */
#define CTR_NAME_MAX 128
#define CTR_IMAGE_MAX 256
#define CTR_TAG_MAX 128
#define CTR_LABELS_MAX 16 /* the allow-list's bound (--container-label) */
#define CTR_LABEL_KEY_MAX 96
#define CTR_LABEL_VALUE_MAX 160

struct ctr_label {
	char key[CTR_LABEL_KEY_MAX];
	char value[CTR_LABEL_VALUE_MAX];
};

struct ctr_meta {
	char id[CONTAINER_ID_MAX];
	char name[CTR_NAME_MAX]; /* without Docker's leading '/' */
	char image_name[CTR_IMAGE_MAX]; /* the reference as run, tag and digest split off */
	char image_tag[CTR_TAG_MAX]; /* "" when the reference names a digest or an id */
	char pod_name[CTR_NAME_MAX]; /* Kubernetes: "" when not a pod's container */
	char pod_namespace[CTR_NAME_MAX];
	char pod_uid[64];
	unsigned int nlabels;
	struct ctr_label labels[CTR_LABELS_MAX]; /* only keys of the allow-list */
	bool exited; /* the runtime said it died or was removed */
	const char *source; /* "docker", "podman", "containerd" (static) */
};

/* The label keys to keep (at most CTR_LABELS_MAX; NULL or empty: none). */
struct ctr_allow {
	const char *const *keys;
	unsigned int n;
};

#endif
