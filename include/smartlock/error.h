/*
 * error.h - the one error enum of the smartlock project.
 *
 * Every function of the shared library that can fail returns an enum sl_err
 * (or NULL for constructors). Each kind of malformation has its own code so
 * that tests, audit records and answers on the wire can say precisely what
 * was wrong. sl_strerror() gives a short English sentence; sl_errname() gives
 * the stable machine-readable name used on the wire and in the audit log
 * (for example "wrong-type"). Both return static strings, never NULL.
 */
#ifndef SMARTLOCK_ERROR_H
#define SMARTLOCK_ERROR_H

enum sl_err {
	SL_OK = 0,

	/* general */
	SL_ERR_NOMEM,           /* out of memory */
	SL_ERR_IO,              /* read/write/fsync failed (see errno) */
	SL_ERR_INVAL,           /* invalid argument from the caller */
	SL_ERR_RANGE,           /* a number is outside its allowed range */
	SL_ERR_NOT_FOUND,       /* the named thing does not exist */
	SL_ERR_EXISTS,          /* the thing already exists (refusing to overwrite) */
	SL_ERR_PERM,            /* permission denied, or file mode unsafe */
	SL_ERR_BUSY,            /* resource held by somebody else */
	SL_ERR_TIMEOUT,         /* an awaited event did not come in time */
	SL_ERR_INTERNAL,        /* a bug or an impossible state */

	/* names and topics (topic.h) */
	SL_ERR_NAME_EMPTY,      /* a lock id or user name is empty */
	SL_ERR_NAME_TOO_LONG,   /* longer than SL_NAME_MAX bytes */
	SL_ERR_NAME_WILDCARD,   /* contains '+' or '#' */
	SL_ERR_NAME_SLASH,      /* contains '/' */
	SL_ERR_NAME_CONTROL,    /* contains a control character (0x00-0x1f, 0x7f) */
	SL_ERR_NAME_CHARSET,    /* other byte outside [A-Za-z0-9._-] or leading '.'/'_'/'-' */
	SL_ERR_TOPIC_PREFIX,    /* topic not under "smartlock/" */
	SL_ERR_TOPIC_UNKNOWN,   /* topic shape not in the topic tree */

	/* payloads (protocol.h) */
	SL_ERR_EMPTY,           /* empty payload */
	SL_ERR_TOO_LARGE,       /* payload larger than the limit of its kind */
	SL_ERR_BAD_UTF8,        /* payload is not valid UTF-8 */
	SL_ERR_JSON,            /* not JSON, truncated JSON, or trailing bytes */
	SL_ERR_NOT_OBJECT,      /* top level is not a JSON object */
	SL_ERR_MISSING_FIELD,   /* a required field is absent */
	SL_ERR_UNKNOWN_FIELD,   /* a field this version does not define */
	SL_ERR_DUPLICATE_FIELD, /* the same field twice */
	SL_ERR_WRONG_TYPE,      /* a field has the wrong JSON type */
	SL_ERR_OUT_OF_RANGE,    /* a number outside its range, or not an integer */
	SL_ERR_TOO_LONG,        /* a string longer than its limit */
	SL_ERR_CONTROL_CHAR,    /* a string contains a control character */
	SL_ERR_BAD_VALUE,       /* a string is not one of the allowed values/shape */
	SL_ERR_BAD_VERSION,     /* protocol version not supported */

	/* signing (sign.h) */
	SL_ERR_BAD_MAC,         /* MAC missing, malformed or does not verify */
	SL_ERR_BAD_KEY,         /* key material malformed */
	SL_ERR_RANDOM,          /* the OS random source failed */
	SL_ERR_CRYPTO,          /* OpenSSL reported an error */

	/* configuration files (config.h) */
	SL_ERR_CONFIG_SYNTAX,   /* a line is not "key = value" */
	SL_ERR_CONFIG_KEY,      /* unknown key, or a key given twice */
	SL_ERR_CONFIG_VALUE,    /* a value of the wrong type or range */
	SL_ERR_CONFIG_MISSING,  /* a required key is absent */

	/* audit log */
	SL_ERR_AUDIT_CHAIN,     /* the hash chain does not verify */

	SL_ERR_NO_SPACE,        /* no space left on the device (ENOSPC, EDQUOT) */

	SL_ERR_COUNT_           /* number of codes; not an error */
};

/* A short English sentence ("a field has the wrong JSON type"). */
const char *sl_strerror(enum sl_err err);

/* A stable lower-case name ("wrong-type"), as used on the wire. */
const char *sl_errname(enum sl_err err);

/* The code for a failed system call's errno: not-found (ENOENT, ENOTDIR),
 * permission (EACCES, EPERM, EROFS), exists, no-memory, no-space (ENOSPC,
 * EDQUOT), else io. */
enum sl_err sl_err_from_errno(int e);

#endif
