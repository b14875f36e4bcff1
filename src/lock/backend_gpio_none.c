/* backend_gpio_none.c - stands in for the GPIO backend when smartlock was
 * built without libgpiod (meson -Dgpio=disabled). */
#include <stdio.h>

#include "backend.h"

struct backend *backend_gpio_create(const struct gpio_config *cfg, int64_t now,
		enum sl_err *err, char *msg, size_t msg_size)
{
	(void)cfg;
	(void)now;
	*err = SL_ERR_NOT_FOUND;
	snprintf(msg, msg_size, "this smartlock-lockd was built without GPIO support "
			"(libgpiod); use backend = sim or rebuild with -Dgpio=enabled");
	return NULL;
}
