/* audit_anchor.c - the second copy of the audit log's head, kept by the
 * agent in its state file beside the log (see audit.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "smartlock/atomicfile.h"
#include "smartlock/audit.h"

#define STATE_READ_MAX (64 * 1024 * 1024)

static bool hex64(const char *s)
{
	return strspn(s, "0123456789abcdef") == SL_SHA256_HEX && s[SL_SHA256_HEX] == '\0';
}

/* "<dir>/../state.json" for an audit directory "<dir>". */
static void state_path_of(const char *audit_dir, char *out, size_t size)
{
	const char *slash = strrchr(audit_dir, '/');

	if (!slash)
		snprintf(out, size, "state.json");
	else if (slash == audit_dir)
		snprintf(out, size, "/state.json");
	else
		snprintf(out, size, "%.*s/state.json", (int)(slash - audit_dir), audit_dir);
}

enum sl_err audit_anchor_read(const char *audit_dir, struct audit_anchor *out)
{
	const cJSON *seq, *hash;
	char path[AUDIT_ANCHOR_PATH_MAX];
	char *text = NULL;
	size_t len = 0;
	cJSON *root;
	enum sl_err e;

	memset(out, 0, sizeof(*out));
	state_path_of(audit_dir, path, sizeof(path));
	snprintf(out->path, sizeof(out->path), "%s", path);
	e = atomic_read_file(path, STATE_READ_MAX, &text, &len);
	if (e != SL_OK)
		return e;
	root = cJSON_ParseWithLength(text, len);
	free(text);
	seq = cJSON_GetObjectItemCaseSensitive(root, "audit_seq");
	hash = cJSON_GetObjectItemCaseSensitive(root, "audit_hash");
	if (!cJSON_IsNumber(seq) || seq->valuedouble < 0 ||
			seq->valuedouble > 9007199254740992.0 ||
			!cJSON_IsString(hash) || !hex64(hash->valuestring)) {
		cJSON_Delete(root);
		return SL_ERR_NOT_FOUND;        /* damaged or older: no anchor */
	}
	out->seq = (uint64_t)seq->valuedouble;
	memcpy(out->hash, hash->valuestring, sizeof(out->hash));
	out->present = true;
	cJSON_Delete(root);
	return SL_OK;
}

void audit_dir_of_last(const char *const *paths, size_t n, char *out, size_t size)
{
	const char *slash = n ? strrchr(paths[n - 1], '/') : NULL;

	snprintf(out, size, "%.*s", slash ? (int)(slash - paths[n - 1]) : 1,
			slash ? paths[n - 1] : ".");
}

enum sl_err audit_anchor_read_beside(const char *const *paths, size_t n,
		struct audit_anchor *out)
{
	char dir[AUDIT_ANCHOR_PATH_MAX];

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return SL_ERR_NOT_FOUND;
	audit_dir_of_last(paths, n, dir, sizeof(dir));
	return audit_anchor_read(dir, out);
}
