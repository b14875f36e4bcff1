/* error.c - names and sentences for the project's error codes. */
#include <errno.h>

#include "smartlock/error.h"

struct err_text {
	const char *name;
	const char *text;
};

static const struct err_text texts[SL_ERR_COUNT_] = {
	[SL_OK] = {"ok", "success"},
	[SL_ERR_NOMEM] = {"no-memory", "out of memory"},
	[SL_ERR_IO] = {"io", "input/output error"},
	[SL_ERR_INVAL] = {"invalid", "invalid argument"},
	[SL_ERR_RANGE] = {"range", "number out of range"},
	[SL_ERR_NOT_FOUND] = {"not-found", "not found"},
	[SL_ERR_EXISTS] = {"exists", "already exists"},
	[SL_ERR_PERM] = {"permission", "permission denied or unsafe file mode"},
	[SL_ERR_BUSY] = {"busy", "resource busy"},
	[SL_ERR_TIMEOUT] = {"timeout", "timed out"},
	[SL_ERR_INTERNAL] = {"internal", "internal error"},
	[SL_ERR_NAME_EMPTY] = {"name-empty", "name is empty"},
	[SL_ERR_NAME_TOO_LONG] = {"name-too-long", "name is too long"},
	[SL_ERR_NAME_WILDCARD] = {"name-wildcard", "name contains an MQTT wildcard ('+' or '#')"},
	[SL_ERR_NAME_SLASH] = {"name-slash", "name contains '/'"},
	[SL_ERR_NAME_CONTROL] = {"name-control", "name contains a control character"},
	[SL_ERR_NAME_CHARSET] = {"name-charset", "name may use only letters, digits, '.', '_' and '-', and must start with a letter or digit"},
	[SL_ERR_TOPIC_PREFIX] = {"topic-prefix", "topic is not under smartlock/"},
	[SL_ERR_TOPIC_UNKNOWN] = {"topic-unknown", "topic is not part of the smartlock topic tree"},
	[SL_ERR_EMPTY] = {"empty", "payload is empty"},
	[SL_ERR_TOO_LARGE] = {"too-large", "payload is too large"},
	[SL_ERR_BAD_UTF8] = {"bad-utf8", "payload is not valid UTF-8"},
	[SL_ERR_JSON] = {"bad-json", "payload is not well-formed JSON"},
	[SL_ERR_NOT_OBJECT] = {"not-object", "payload is not a JSON object"},
	[SL_ERR_MISSING_FIELD] = {"missing-field", "a required field is missing"},
	[SL_ERR_UNKNOWN_FIELD] = {"unknown-field", "a field is not defined by the protocol"},
	[SL_ERR_DUPLICATE_FIELD] = {"duplicate-field", "a field appears twice"},
	[SL_ERR_WRONG_TYPE] = {"wrong-type", "a field has the wrong JSON type"},
	[SL_ERR_OUT_OF_RANGE] = {"out-of-range", "a number is out of range or not an integer"},
	[SL_ERR_TOO_LONG] = {"too-long", "a string is too long"},
	[SL_ERR_CONTROL_CHAR] = {"control-char", "a string contains a control character"},
	[SL_ERR_BAD_VALUE] = {"bad-value", "a field has a value that is not allowed"},
	[SL_ERR_BAD_VERSION] = {"bad-version", "protocol version not supported"},
	[SL_ERR_BAD_MAC] = {"bad-mac", "signature missing or invalid"},
	[SL_ERR_BAD_KEY] = {"bad-key", "key is malformed"},
	[SL_ERR_RANDOM] = {"random", "the system random source failed"},
	[SL_ERR_CRYPTO] = {"crypto", "cryptographic library error"},
	[SL_ERR_CONFIG_SYNTAX] = {"config-syntax", "line is not of the form key = value"},
	[SL_ERR_CONFIG_KEY] = {"config-key", "unknown or repeated key"},
	[SL_ERR_CONFIG_VALUE] = {"config-value", "invalid value"},
	[SL_ERR_CONFIG_MISSING] = {"config-missing", "required key is missing"},
	[SL_ERR_AUDIT_CHAIN] = {"audit-chain", "audit log hash chain is broken"},
	[SL_ERR_NO_SPACE] = {"no-space", "no space left on the device (ENOSPC)"},
};

const char *sl_strerror(enum sl_err err)
{
	if ((unsigned)err >= SL_ERR_COUNT_ || !texts[err].text)
		return "unknown error";
	return texts[err].text;
}

const char *sl_errname(enum sl_err err)
{
	if ((unsigned)err >= SL_ERR_COUNT_ || !texts[err].name)
		return "unknown";
	return texts[err].name;
}

enum sl_err sl_err_from_errno(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return SL_ERR_NOT_FOUND;
	case EACCES:
	case EPERM:
	case EROFS:
		return SL_ERR_PERM;
	case EEXIST:
		return SL_ERR_EXISTS;
	case ENOMEM:
		return SL_ERR_NOMEM;
	case ENOSPC:
	case EDQUOT:
		return SL_ERR_NO_SPACE;
	default:
		return SL_ERR_IO;
	}
}
