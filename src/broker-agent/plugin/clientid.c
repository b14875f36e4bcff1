/* clientid.c - which client ids belong to which accounts. */
#include <string.h>

#include "clientid.h"
#include "smartlock/topic.h"

#define DAEMON_PREFIX "smartlock-"
#define LOCKD_PREFIX "lockd-"

static enum clientid_claim only(bool rightful)
{
	return rightful ? CLIENTID_OWN : CLIENTID_FORBIDDEN;
}

enum clientid_claim clientid_claim(const char *id, const char *user,
		enum sl_passwd_role role, bool (*exists)(const char *name, void *ctx), void *ctx)
{
	char name[SL_NAME_MAX + 1];

	if (strncmp(id, DAEMON_PREFIX, strlen(DAEMON_PREFIX)) == 0)
		return only(role == SL_PW_AGENT);
	if (strncmp(id, LOCKD_PREFIX, strlen(LOCKD_PREFIX)) == 0)
		return only(role == SL_PW_LOCK && strcmp(id + strlen(LOCKD_PREFIX), user) == 0);
	/* "<name>-...": the longest prefix naming an account decides */
	for (size_t n = strnlen(id, SL_NAME_MAX + 1); n > 0; n--) {
		if (n > SL_NAME_MAX || id[n] != '-')
			continue;
		memcpy(name, id, n);
		name[n] = '\0';
		if (strcmp(name, user) == 0)
			return CLIENTID_OWN;
		if (exists(name, ctx))
			return CLIENTID_FORBIDDEN;
	}
	return CLIENTID_FREE;
}
