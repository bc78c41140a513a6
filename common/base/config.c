/* config — environment plus config file (sms-config(5)). See config.h. */
#include "config.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

struct kv {
	char *key, *value;
};

struct sms_config {
	struct kv *items;
	size_t     n;
	char      *path;
};

/* Keys whose value is a secret: a file holding one must be private. */
static const char *const secret_keys[] = {
	"TWILIO_AUTH_TOKEN", "TWILIO_API_SECRET", "VONAGE_API_SECRET", "VONAGE_SIGNATURE_SECRET",
	"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "SMS_DASHBOARD_TOKEN", "SNS_WEBHOOK_SECRET",
	"TWILIO_AUTH_TOKEN_SECONDARY", "VONAGE_SIGNATURE_SECRET_SECONDARY",
};

static int is_secret(const char *key)
{
	for (size_t i = 0; i < sizeof secret_keys / sizeof *secret_keys; i++)
		if (strcasecmp(key, secret_keys[i]) == 0)
			return 1;
	return 0;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static char *default_path(void)
{
	const char *p = getenv("SMS_CONFIG");
	if (p && *p)
		return xstrdup(p);
	struct strbuf b;
	strbuf_init(&b);
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	if (xdg && *xdg)
		strbuf_printf(&b, "%s/sms/config", xdg);
	else
		strbuf_printf(&b, "%s/.config/sms/config", home && *home ? home : ".");
	return strbuf_detach(&b);
}

static int parse_file(struct sms_config *c, FILE *fp, char *err, size_t errlen)
{
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	int secret = 0;
	while (getline(&line, &cap, fp) >= 0) {
		lineno++;
		char *s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%zu: expected `key = value`", c->path, lineno);
			free(line);
			return -1;
		}
		*eq = '\0';
		char *key = trim(s), *val = trim(eq + 1);
		size_t vl = strlen(val);
		/* Allow "quoted values" as people write them in shell-like files. */
		if (vl >= 2 && (val[0] == '"' || val[0] == '\'') && val[vl - 1] == val[0]) {
			val[vl - 1] = '\0';
			val++;
		}
		if (*key == '\0') {
			snprintf(err, errlen, "%s:%zu: empty key", c->path, lineno);
			free(line);
			return -1;
		}
		secret |= is_secret(key) && *val;
		c->items = xrealloc(c->items, (c->n + 1) * sizeof *c->items);
		c->items[c->n].key = xstrdup(key);
		c->items[c->n].value = xstrdup(val);
		c->n++;
	}
	free(line);
	return secret;
}

struct sms_config *config_load(char *err, size_t errlen)
{
	struct sms_config *c = xcalloc(1, sizeof *c);
	c->path = default_path();
	FILE *fp = fopen(c->path, "r");
	if (!fp) {
		if (errno == ENOENT)
			return c;
		snprintf(err, errlen, "cannot read config file %s: %s", c->path, strerror(errno));
		config_free(c);
		return NULL;
	}
	struct stat st;
	int secret = parse_file(c, fp, err, errlen);
	int rc = fstat(fileno(fp), &st);
	fclose(fp);
	if (secret < 0) {
		config_free(c);
		return NULL;
	}
	/* A file root owns may be readable by its group: the administrator
	 * chose that group (/etc/smskit/config, 640 root:sms, smskit-deploy(7)).
	 * Any other reader or writer is refused. */
	mode_t others = st.st_uid == 0 ? 037 : 077;
	if (rc == 0 && secret && (st.st_mode & others)) {
		snprintf(err, errlen,
		         "config file %s holds a secret but is readable by others (mode %03o); "
		         "run: chmod 600 %s",
		         c->path, (unsigned)(st.st_mode & 0777), c->path);
		config_free(c);
		return NULL;
	}
	return c;
}

static const char *file_get(const struct sms_config *c, const char *key)
{
	/* The last assignment wins, as in a shell file. */
	for (size_t i = c->n; i-- > 0;)
		if (strcasecmp(c->items[i].key, key) == 0)
			return c->items[i].value;
	return NULL;
}

const char *config_get(const struct sms_config *c, const char *key)
{
	const char *v = getenv(key);
	if (v && *v)
		return v;
	v = c ? file_get(c, key) : NULL;
	return v && *v ? v : NULL;
}

const char *config_get_or(const struct sms_config *c, const char *key, const char *def)
{
	const char *v = config_get(c, key);
	return v ? v : def;
}

void config_each(const struct sms_config *c, const char *prefix,
                 void (*fn)(const char *key, const char *value, void *arg), void *arg)
{
	size_t pl = strlen(prefix);
	for (size_t i = 0; c && i < c->n; i++)
		if (strncasecmp(c->items[i].key, prefix, pl) == 0)
			fn(c->items[i].key, c->items[i].value, arg);
}

/* The length of s's URI scheme when s starts with "scheme://" (RFC 3986 3.1)
 * or is an SQLite "file:" URI; else 0. */
static size_t uri_scheme(const char *s)
{
	if (strncasecmp(s, "file:", 5) == 0)
		return 4;
	if (!isalpha((unsigned char)*s))
		return 0;
	size_t n = 1;
	while (isalnum((unsigned char)s[n]) || s[n] == '+' || s[n] == '-' || s[n] == '.')
		n++;
	return strncmp(s + n, "://", 3) == 0 ? n : 0;
}

int config_uri_has_password(const char *uri)
{
	const char *p = strstr(uri, "://");
	p = p ? p + 3 : uri;
	size_t auth = strcspn(p, "/?");
	const char *at = memchr(p, '@', auth);
	if (at && memchr(p, ':', (size_t)(at - p)))
		return 1;
	for (const char *q = strchr(p, '?'); q && *q; q = strchr(q + 1, '&'))
		if (strncmp(q + 1, "password=", 9) == 0)
			return 1;
	return 0;
}

char *config_db_path(const struct sms_config *c, char *err, size_t errlen)
{
	const char *db = config_get(c, "SMS_DB");
	size_t scheme = db ? uri_scheme(db) : 0;
	/* A PostgreSQL connection URI names the store on a server (smskit-scale(7)). */
	if (db && (strncmp(db, "postgresql://", 13) == 0 || strncmp(db, "postgres://", 11) == 0)) {
		if (!config_uri_has_password(db))
			return xstrdup(db);
		snprintf(err, errlen, "SMS_DB: the PostgreSQL URI holds a password, which would show "
		         "wherever the store is named (logs, listings); put it in ~/.pgpass, a "
		         "service file or PGPASSWORD instead (sms-config(5))");
		return NULL;
	}
	if (scheme) {
		const char *sep = strncmp(db + scheme, "://", 3) == 0 ? "://" : ":";
		snprintf(err, errlen, "SMS_DB=%.*s%s...: a URI, but not a PostgreSQL one "
		         "(postgresql://...); set SMS_DB to the path of the store file, such as "
		         "/var/lib/smskit/sms.db, or to a postgresql:// URI (see sms-config(5))",
		         (int)scheme, db, sep);
		return NULL;
	}
	if (db)
		return xstrdup(db);
	struct strbuf b;
	strbuf_init(&b);
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	if (xdg && *xdg)
		strbuf_printf(&b, "%s/sms/sms.db", xdg);
	else
		strbuf_printf(&b, "%s/.local/share/sms/sms.db", home && *home ? home : ".");
	return strbuf_detach(&b);
}

char *config_side_path(const struct sms_config *c, const char *suffix, char *err, size_t errlen)
{
	char *db = config_db_path(c, err, errlen);
	if (!db)
		return NULL;
	struct strbuf b;
	strbuf_init(&b);
	if (strncmp(db, "postgresql://", 13) == 0 || strncmp(db, "postgres://", 11) == 0) {
		const char *xdg = getenv("XDG_DATA_HOME");
		const char *home = getenv("HOME");
		if (xdg && *xdg)
			strbuf_printf(&b, "%s/sms/pg%s", xdg, suffix);
		else
			strbuf_printf(&b, "%s/.local/share/sms/pg%s", home && *home ? home : ".", suffix);
	} else {
		strbuf_printf(&b, "%s%s", db, suffix);
	}
	free(db);
	return strbuf_detach(&b);
}

const char *config_default_country(const struct sms_config *c)
{
	return config_get_or(c, "SMS_DEFAULT_COUNTRY", "US");
}

void config_free(struct sms_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->items[i].key);
		free(c->items[i].value);
	}
	free(c->items);
	free(c->path);
	free(c);
}
