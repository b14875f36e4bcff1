/* screen_detail.c - the whole of one audit record or alert, every field
 * in words and wrapped, for the line the list had to cut. */
#include <stdio.h>
#include <time.h>

#include "smartlock/timeutil.h"

#include "text.h"
#include "tui.h"

/* "Fri 4 Dec 2026 14:05:03 (3 min ago)" */
static void when_text(int64_t ms, char *buf, size_t size)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	char date[64], ago[32];

	if (ms <= 0) {
		snprintf(buf, size, "-");
		return;
	}
	localtime_r(&secs, &tm);
	strftime(date, sizeof(date), "%a %e %b %Y %H:%M:%S", &tm);
	snprintf(buf, size, "%s (%s)", date, text_ago(ms, time_now_ms(), ago, sizeof(ago)));
}

struct screen *screen_detail_log(struct tui *t, const struct client_log_entry *e)
{
	struct screen *s = screen_pager_create("detail", "Audit record");
	char when[128], num[32];
	enum sl_reason reason;
	bool ok;

	(void)t;
	if (!s)
		return NULL;
	when_text(e->time, when, sizeof(when));
	snprintf(num, sizeof(num), "%llu", (unsigned long long)e->seq);
	ok = pager_field(s, "When", when) && pager_field(s, "Who", e->actor) &&
			pager_field(s, "Role", e->role) && pager_field(s, "Lock", e->lock) &&
			pager_field(s, "What", e->action) && pager_field(s, "Result", e->result);
	if (ok && e->reason[0])
		ok = pager_field(s, "Why", proto_reason_parse(e->reason, &reason) == SL_OK ?
				words_reason(reason) : e->reason);
	ok = ok && pager_field(s, "Details", e->detail) && pager_field(s, "From", e->source) &&
			pager_field(s, "Record number", num);
	if (!ok) {
		s->destroy(s);
		return NULL;
	}
	return s;
}

struct screen *screen_detail_alert(struct tui *t, const struct alert_item *a)
{
	struct screen *s = screen_pager_create("detail", words_alert_title(a->alert.kind));
	char when[128], until[128], text[WORDS_MAX];
	bool ok;

	if (!s)
		return NULL;
	when_text(a->alert.time > 0 ? a->alert.time : a->received, when, sizeof(when));
	words_alert(&a->alert, time_now_ms(), text, sizeof(text));
	ok = pager_field(s, "When", when) &&
			pager_field(s, "Lock", a->alert.lock[0] ? a->alert.lock : "every lock") &&
			pager_field(s, "What", text) && pager_field(s, "User", a->alert.user) &&
			pager_field(s, "From", words_alert_source(a->alert.source));
	if (ok && a->alert.until > 0) {
		when_text(a->alert.until, until, sizeof(until));
		ok = pager_field(s, "Until", until);
	}
	ok = ok && pager_field(s, "Acknowledged", a->acked ? "yes" :
			t->role == SL_ROLE_OWNER ? "no (a acknowledges it)" : "no");
	if (!ok) {
		s->destroy(s);
		return NULL;
	}
	return s;
}
