/* cmd_alert.c - smartlockctl alert test: a test alert through every alert
 * channel of the agent, and each channel's result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "smartlock/timeutil.h"

#include "cli.h"
#include "records.h"
#include "text.h"
#include "words.h"

/* One line per channel of the answer's data (text from the network is
 * cleaned before it reaches the terminal). */
static void print_channels(const char *data_json)
{
	cJSON *root = data_json ? cJSON_Parse(data_json) : NULL;
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "channels"), *ch;

	cJSON_ArrayForEach(ch, arr) {
		const cJSON *num = cJSON_GetObjectItemCaseSensitive(ch, "channel");
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ch, "name"));
		const char *res = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ch, "result"));
		const char *det = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ch, "detail"));
		char n[40], r[16], d[128];

		text_copy_clean(n, sizeof(n), name ? name : "?");
		text_copy_clean(r, sizeof(r), res ? res : "?");
		text_copy_clean(d, sizeof(d), det ? det : "");
		cli_print("channel %d (%s): %s%s%s", cJSON_IsNumber(num) ? num->valueint : 0, n, r,
				d[0] ? ": " : "", d);
	}
	cJSON_Delete(root);
}

int cmd_alert(struct cli_opts *o)
{
	struct sl_admin_res res;
	char sentence[WORDS_MAX];
	int rc;

	if (strcmp(o->args[0], "test") != 0) {
		cli_error("alert: unknown subcommand '%s' (expected: alert test)", o->args[0]);
		return EXIT_USAGE;
	}
	rc = cli_admin_op(o, SL_ADMIN_ALERT_TEST, &res);
	if (rc != EXIT_GRANTED)
		return rc;
	rc = client_exit_for(res.result, res.reason);
	words_admin(&res, "", time_now_ms(), sentence, sizeof(sentence));
	if (o->json) {
		char *line = res.data_json ? records_json_safe(res.data_json) : NULL;

		if (line)
			cli_print("%s", line);
		free(line);
	} else {
		print_channels(res.data_json);
	}
	if (rc == EXIT_GRANTED && !o->json)
		cli_print("%s", sentence);
	else if (rc != EXIT_GRANTED)
		fprintf(stderr, "%s\n", sentence);
	proto_admin_res_finish(&res);
	return rc;
}
