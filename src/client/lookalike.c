/* lookalike.c: present members' names by what they look like (see
 * lookalike.h). */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "lookalike.h"

void
lookalike_free(struct lookalike *l)
{
	free(l->e);
	memset(l, 0, sizeof(*l));
}

static struct lookalike_entry *
find(const struct lookalike *l, uint32_t id)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->e[i].id == id)
			return &l->e[i];
	return NULL;
}

int
lookalike_set(struct lookalike *l, uint32_t id, const char *name)
{
	struct lookalike_entry *e, *ne;
	uint8_t key[NAMES_SKEL_BYTES];

	if (names_skeleton_key((const uint8_t *)name, strlen(name), key) != 0) {
		lookalike_del(l, id);
		return ERR_FORMAT;
	}
	if ((e = find(l, id)) == NULL) {
		if (l->n == l->cap) {
			ne = reallocarray(l->e, l->cap ? l->cap * 2 : 16,
			    sizeof(*ne));
			if (ne == NULL)
				return ERR_ALLOC;
			l->e = ne;
			l->cap = l->cap ? l->cap * 2 : 16;
		}
		e = &l->e[l->n++];
		e->id = id;
	}
	memcpy(e->key, key, sizeof(key));
	return 0;
}

void
lookalike_del(struct lookalike *l, uint32_t id)
{
	struct lookalike_entry *e = find(l, id);

	if (e != NULL)
		*e = l->e[--l->n];
}

static uint32_t
other_by_key(const struct lookalike *l, uint32_t id,
    const uint8_t key[NAMES_SKEL_BYTES])
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->e[i].id != id &&
		    memcmp(l->e[i].key, key, NAMES_SKEL_BYTES) == 0)
			return l->e[i].id;
	return 0;
}

uint32_t
lookalike_other(const struct lookalike *l, uint32_t id, const char *name)
{
	uint8_t key[NAMES_SKEL_BYTES];

	if (name == NULL ||
	    names_skeleton_key((const uint8_t *)name, strlen(name), key) != 0)
		return 0;
	return other_by_key(l, id, key);
}

int
lookalike_clash(const struct lookalike *l, uint32_t id)
{
	const struct lookalike_entry *e = find(l, id);

	return e != NULL && other_by_key(l, id, e->key) != 0;
}

int
lookalike_rename_ok(const struct lookalike *l, uint32_t id, const char *name,
    const char *relay_name)
{
	if (name == NULL || relay_name == NULL || strcmp(name, relay_name) != 0)
		return 0;
	return lookalike_other(l, id, name) == 0;
}
