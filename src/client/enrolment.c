/* enrolment.c - locate and load the user's enrolment file. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smartlock/config.h"
#include "smartlock/enrol.h"

#include "enrolment.h"

#define DEFAULT_REL ".config/smartlock/enrol"

enum sl_err enrolment_path(const char *option, char *buf, size_t size)
{
	const char *env = getenv("SMARTLOCK_ENROL");
	const char *home;
	int n;

	if (option && option[0])
		n = snprintf(buf, size, "%s", option);
	else if (env && env[0])
		n = snprintf(buf, size, "%s", env);
	else {
		home = getenv("HOME");
		if (!home || !home[0]) {
			struct passwd *pw = getpwuid(getuid());

			home = pw ? pw->pw_dir : NULL;
		}
		if (!home || !home[0])
			return SL_ERR_NOT_FOUND;
		n = snprintf(buf, size, "%s/%s", home, DEFAULT_REL);
	}
	if (n < 0 || (size_t)n >= size)
		return SL_ERR_TOO_LONG;
	return SL_OK;
}

enum sl_err enrolment_load(const char *path, struct sl_enrolment *e, char *msg, size_t msg_size)
{
	struct sl_config_error cerr;
	enum sl_err rc;
	char where[512];

	memset(&cerr, 0, sizeof(cerr));
	rc = enrol_load(path, e, &cerr);
	if (rc == SL_OK)
		return SL_OK;
	switch (rc) {
	case SL_ERR_NOT_FOUND:
		snprintf(msg, msg_size, "no enrolment file at %s (give one with --enrol FILE "
				"or SMARTLOCK_ENROL; an owner creates it with "
				"'smartlockctl user add')", path);
		break;
	case SL_ERR_PERM:
		snprintf(msg, msg_size, "%s: the enrolment file holds secrets and must be "
				"private: chmod 600 %s", path, path);
		break;
	default:
		if (!cerr.file[0])
			snprintf(cerr.file, sizeof(cerr.file), "%s", path);
		if (cerr.code == SL_OK)
			cerr.code = rc;
		config_error_format(&cerr, where, sizeof(where));
		snprintf(msg, msg_size, "%s", where);
		break;
	}
	return rc;
}
