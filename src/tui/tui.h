/*
 * tui.h - the console's context and the contract between its parts: each
 * panel and screen is a struct of function pointers (draw, handle_key,
 * destroy) in the manner of htop; key handlers return a small result
 * bitmask that the one main loop (ui.c) acts on.
 *
 * Everything runs in the main loop's thread. Every string drawn has been
 * cleaned by the client library; tui_put() also refuses to draw anything
 * the terminal would not print as itself.
 */
#ifndef SMARTLOCK_TUI_H
#define SMARTLOCK_TUI_H

#include <stdbool.h>
#include <stdint.h>

#include <curses.h>

#include "client.h"
#include "keys.h"
#include "layout.h"
#include "model.h"
#include "notify.h"
#include "words.h"

#define TUI_PROG "smartlock-tui"
#define TUI_LOCKS_MAX 16        /* locks one console switches between */

/* What a key handler did. */
enum tui_result {
	TUI_IGNORED = 0,
	TUI_HANDLED = 1u << 0,
	TUI_REDRAW = 1u << 1,
	TUI_QUIT = 1u << 2,
};

/* Colour pairs (attributes only under NO_COLOR). */
enum tui_color {
	COLOR_NONE_,
	COLOR_GOOD,             /* LOCKED, granted */
	COLOR_BAD,              /* UNLOCKED banner, denied, alerts */
	COLOR_WARN,             /* moving, unknown */
	COLOR_INFO,             /* titles, keys */
	COLOR_BAR,              /* title and key bar */
	COLOR_ALERT,            /* unacknowledged alert */
	COLOR_COUNT_
};

struct tui;

struct panel {
	const char *name;
	void (*draw)(struct panel *p, struct tui *t, const struct rect *r, bool focused);
	unsigned (*handle_key)(struct panel *p, struct tui *t, int key); /* NULL: keys ignored */
	void (*destroy)(struct panel *p);
	void *data;
};

struct screen {
	const char *name;
	const char *keys;       /* its key bar */
	void (*draw)(struct screen *s, struct tui *t);
	unsigned (*handle_key)(struct screen *s, struct tui *t, int key);
	/* An admin answer for this screen (users); may be NULL. */
	void (*admin_answer)(struct screen *s, struct tui *t, const struct sl_admin_res *r);
	void (*destroy)(struct screen *s);
	void *data;
	struct screen *back;    /* the screen under it (tui_push_screen), or NULL */
};

/* A question on the message line: yes/no or a line of text. */
struct prompt;
typedef void (*prompt_done_fn)(struct tui *t, bool accepted, const char *text, void *arg);

enum tui_panel_id { PANEL_LOCK, PANEL_HEALTH, PANEL_ALERTS, PANEL_LOG, PANEL_COUNT_ };

/* A request in flight, waiting for its answer. */
struct pending {
	bool active;
	int64_t id;
	int64_t started;        /* monotonic ms */
	int64_t deadline;       /* monotonic ms */
	enum sl_action action;  /* lock requests */
	enum sl_admin_op op;    /* admin requests */
	char name[SL_NAME_MAX + 1];
	bool quiet;             /* no message when answered (background status) */
	int64_t cursor;         /* admin requests: the cursor sent (alert id) */
	bool check;             /* the status asked after a lock or unlock went unanswered */
};

struct tui_options {
	const char *enrol;
	const char *locks[TUI_LOCKS_MAX];       /* --lock, in order */
	size_t nlocks;
	bool no_notify;
	int64_t timeout_ms;
};

struct tui {
	struct sl_client *client;
	struct model model;
	struct notifier *notifier;
	struct layout layout;
	bool color;
	bool utf8;
	char user[SL_NAME_MAX + 1];
	char lock[SL_NAME_MAX + 1];
	enum sl_role role;
	int64_t timeout_ms;

	struct panel *panels[PANEL_COUNT_];
	enum tui_panel_id focus;        /* PANEL_ALERTS or PANEL_LOG */
	struct screen *screen;          /* users or help over the dashboard; NULL = none */
	struct prompt *prompt;          /* modal question; NULL = none */

	struct pending req;             /* lock / unlock / status */
	struct pending admin;           /* admin operations */
	bool lockres_ready;             /* lockRes subscription acknowledged */
	bool adminres_ready;
	bool want_alerts;               /* the agent's alert history is to be asked for */

	char message[WORDS_MAX];
	enum tui_color message_color;
	int64_t message_at;             /* monotonic ms it was set */
	int spinner;
	bool dirty;
	bool quit;
	const struct sl_enrolment *enrolment;  /* sessions and new users' files */

	char locks[TUI_LOCKS_MAX][SL_NAME_MAX + 1];     /* the switcher's locks */
	size_t nlocks;
	char fatal[320];                /* why the console had to stop, "" = it did not */
};

/* ---- drawing helpers (ui.c) ---- */

/* Draw UTF-8 text at y, x using at most width columns; characters the
 * terminal would not print as themselves become '?'. Returns the columns
 * used. */
int tui_put(struct tui *t, int y, int x, int width, const char *text, attr_t attr);
/* The same with printf formatting. */
int tui_putf(struct tui *t, int y, int x, int width, attr_t attr, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Display width of UTF-8 text. */
int tui_width(const char *text);
/* How many bytes of text fit in width columns (whole characters). */
int tui_fit(const char *text, int width);
/* The attribute of a colour (bold/reverse stand-ins under NO_COLOR). */
attr_t tui_attr(const struct tui *t, enum tui_color c);
/* A box with a title. */
void tui_box(struct tui *t, const struct rect *r, const char *title, bool focused);

/* ---- actions (ui.c) ---- */
void tui_message(struct tui *t, enum tui_color c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Send a lock request / an admin request and wait (spinner) for the answer. */
void tui_request(struct tui *t, enum sl_action action, bool quiet);
void tui_admin(struct tui *t, struct sl_admin_req *req);
/* Replace the screen over the dashboard (NULL = back to the dashboard). */
void tui_set_screen(struct tui *t, struct screen *s);
/* Open s over the current screen; tui_pop_screen() returns to it. */
void tui_push_screen(struct tui *t, struct screen *s);
void tui_pop_screen(struct tui *t);

/* ---- the locks (locks.c) ---- */
/* Add a lock to the switcher (ignored when invalid, known or full). */
bool tui_locks_add(struct tui *t, const char *id);
/* Open the session for lock (NULL: the enrolment's) and start it. */
enum sl_err tui_session_open(struct tui *t, const char *lock, char *msg, size_t size);
/* The current lock's place in the switcher. */
size_t tui_lock_index(const struct tui *t);
/* Show the next (+1) or previous (-1) lock. */
void tui_switch_lock(struct tui *t, int delta);

/* ---- prompts (prompt.c) ---- */
void prompt_confirm(struct tui *t, const char *question, prompt_done_fn done, void *arg);
void prompt_text(struct tui *t, const char *label, const char *initial, size_t max,
		prompt_done_fn done, void *arg);
void prompt_draw(struct tui *t, const struct rect *r);
/* Say, under the prompt just opened, why the last answer was refused. */
void prompt_error(struct tui *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Draw that reason on the line r (the key bar); false when there is none. */
bool prompt_draw_error(struct tui *t, const struct rect *r);
unsigned prompt_handle_key(struct tui *t, int key);
void prompt_destroy(struct prompt *p);

/* ---- the parts ---- */
struct panel *panel_lock_create(void);
struct panel *panel_health_create(void);
struct panel *panel_alerts_create(void);
struct panel *panel_log_create(void);
struct screen *screen_users_create(struct tui *t);
struct screen *screen_help_create(struct tui *t);

/* A scrolling page of wrapped text (screen_pager.c): headings, "label
 * value" fields and paragraphs, added in order; false when out of
 * memory. name is a static string. */
struct screen *screen_pager_create(const char *name, const char *title);
bool pager_heading(struct screen *s, const char *text);
bool pager_field(struct screen *s, const char *label, const char *value);
bool pager_text(struct screen *s, const char *text);

/* The whole record behind a log or alert line (screen_detail.c). */
struct screen *screen_detail_log(struct tui *t, const struct client_log_entry *e);
struct screen *screen_detail_alert(struct tui *t, const struct alert_item *a);

/* Big letters for the lock banner: the rows of text for word, each at
 * most width columns; false if it does not fit (then draw it plainly). */
bool bigtext_render(const char *word, bool utf8, int width, char rows[3][256]);

#endif
