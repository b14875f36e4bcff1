/* cmd_log.c - smartlockctl log show (pages from the agent) and log verify
 * (the hash chain of audit files on this machine). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartlock/audit.h"
#include "smartlock/timeutil.h"

#include "cli.h"
#include "records.h"
#include "text.h"

#define PAGE_DEFAULT 50
#define PAGE_MAX 500

struct log_sub {
	const char *name;
	int (*run)(struct cli_opts *o);
	unsigned options;
};

static void print_entry(const struct client_log_entry *e, bool json)
{
	char t[32];

	if (json) {
		char *enc = records_log_to_json(e);

		if (enc)
			cli_print("%s", enc);
		free(enc);
		return;
	}
	cli_print("%s #%-6llu %-16s %-8s %-14s %-8s %-16s %s",
			e->time ? text_format_local(e->time, t, sizeof(t)) : e->time_text,
			(unsigned long long)e->seq, e->actor[0] ? e->actor : "-",
			e->role[0] ? e->role : "-", e->action[0] ? e->action : "-",
			e->result[0] ? e->result : "-", e->reason[0] ? e->reason : "-", e->detail);
}

/*
 * Pages are read forward: the agent answers a log-page request with the
 * records from seq "cursor" on (cursor 0: the newest page) and "next", the
 * first seq it did not return (0 at the end).
 */
static int log_show(struct cli_opts *o)
{
	static const enum sl_topic_kind kinds[] = {SL_TOPIC_ADMIN_RES};
	int64_t count = (o->given & OPT_COUNT) ? o->count : PAGE_DEFAULT;
	int64_t cursor = 0;
	struct sl_client *c;
	int rc;

	if (count > PAGE_MAX) {
		cli_error("--count: at most %d per page (use --all for everything)", PAGE_MAX);
		return EXIT_USAGE;
	}
	if (o->all && (o->given & OPT_BEFORE)) {
		cli_error("--all and --before do not go together");
		return EXIT_USAGE;
	}
	if (o->given & OPT_BEFORE) {
		/* the count records just before seq "before" */
		if (o->before <= 1)
			return EXIT_GRANTED;
		cursor = o->before > count ? o->before - count : 1;
		count = o->before - cursor;
	} else if (o->all) {
		cursor = 1;
		count = PAGE_MAX;
	}
	rc = cli_connect(o, kinds, 1, &c, NULL, NULL);
	if (rc != EXIT_GRANTED)
		return rc;
	for (;;) {
		struct sl_admin_req req;
		struct sl_admin_res res;
		struct client_log_entry *page;
		size_t pn;
		int64_t next;

		memset(&req, 0, sizeof(req));
		req.op = SL_ADMIN_LOG_PAGE;
		req.has_cursor = true;
		req.cursor = cursor;
		req.has_count = true;
		req.count = count;
		rc = cli_admin_call(c, o, &req, "", &res);
		if (rc != EXIT_GRANTED)
			break;
		if (records_parse_log_page(res.data_json, &page, &pn, &next) != SL_OK) {
			cli_error("the agent's log page could not be read");
			proto_admin_res_finish(&res);
			rc = EXIT_FAILED;
			break;
		}
		proto_admin_res_finish(&res);
		for (size_t i = 0; i < pn; i++)
			if (!(o->given & OPT_BEFORE) || (int64_t)page[i].seq < o->before)
				print_entry(&page[i], o->json);
		free(page);
		/* one page, unless everything was asked for; a cursor that does
		 * not move on would loop forever */
		if (!o->all || next <= cursor || pn == 0 || cli_stop)
			break;
		cursor = next;
	}
	client_destroy(c);
	return rc;
}

static int log_verify(struct cli_opts *o)
{
	struct audit_verify_result res;
	char **paths = NULL;
	size_t n = 0;
	bool listed = false;
	enum sl_err rc;

	if (o->dir && o->nargs > 1) {
		cli_error("log verify takes files or --dir DIR, not both");
		return EXIT_USAGE;
	}
	if (o->dir) {
		rc = audit_list_files(o->dir, &paths, &n);
		if (rc != SL_OK) {
			cli_error("%s: cannot list the audit files: %s", o->dir, sl_strerror(rc));
			return EXIT_VERIFY;
		}
		listed = true;
		if (n == 0) {
			cli_error("%s: no audit files", o->dir);
			audit_free_paths(paths, n);
			return EXIT_VERIFY;
		}
	} else if (o->nargs < 2) {
		cli_error("log verify needs audit files, oldest first (or --dir DIR)");
		return EXIT_USAGE;
	}
	memset(&res, 0, sizeof(res));
	if (listed)
		rc = audit_verify_files((const char *const *)paths, n, &res);
	else
		rc = audit_verify_files((const char *const *)(o->args + 1), (size_t)(o->nargs - 1),
				&res);
	if (listed)
		audit_free_paths(paths, n);
	text_clean(res.file);
	text_clean(res.problem);
	if (rc == SL_OK) {
		if (o->json)
			cli_print("{\"result\":\"ok\",\"records\":%llu,\"first_seq\":%llu,"
					"\"last_seq\":%llu}", (unsigned long long)res.records,
					(unsigned long long)res.first_seq,
					(unsigned long long)res.last_seq);
		else
			cli_print("OK: %llu records intact (seq %llu to %llu).",
					(unsigned long long)res.records,
					(unsigned long long)res.first_seq,
					(unsigned long long)res.last_seq);
		return EXIT_GRANTED;
	}
	if (rc == SL_ERR_AUDIT_CHAIN)
		fprintf(stderr, "FAILED: %s:%llu: %s\n", res.file[0] ? res.file : "?",
				(unsigned long long)res.line,
				res.problem[0] ? res.problem : "the hash chain is broken");
	else
		fprintf(stderr, "FAILED: %s%s%s\n", res.file[0] ? res.file : "",
				res.file[0] ? ": " : "", res.problem[0] ? res.problem : sl_strerror(rc));
	if (o->json)
		cli_print("{\"result\":\"failed\",\"records\":%llu,\"line\":%llu}",
				(unsigned long long)res.records, (unsigned long long)res.line);
	return EXIT_VERIFY;
}

/* Sorted by strcmp on name for bsearch. */
static const struct log_sub log_subs[] = {
	{"show", log_show, OPT_COUNT | OPT_BEFORE | OPT_ALL},
	{"verify", log_verify, OPT_DIR},
};

static int sub_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct log_sub *)elem)->name);
}

int cmd_log(struct cli_opts *o)
{
	const struct log_sub *sub = bsearch(o->args[0], log_subs,
			sizeof(log_subs) / sizeof(log_subs[0]), sizeof(log_subs[0]), sub_cmp);

	if (!sub) {
		cli_error("unknown log command '%s' (show, verify)", o->args[0]);
		return EXIT_USAGE;
	}
	if (o->given & (OPT_COUNT | OPT_BEFORE | OPT_ALL | OPT_DIR) & ~sub->options) {
		cli_error("that option does not apply to 'log %s'", sub->name);
		return EXIT_USAGE;
	}
	if (sub->run == log_show && o->nargs > 1) {
		cli_error("log show takes no operands");
		return EXIT_USAGE;
	}
	return sub->run(o);
}
