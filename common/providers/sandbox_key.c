/* sandbox_key — the sandbox's signing key; see sandbox_key.h. */
#include "sandbox_key.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_BYTES 32  /* random bytes in a new key: HMAC-SHA1's block is 64 */
#define KEY_MIN   32  /* characters a key file must hold, at least and at most */
#define KEY_MAX   256

/* The key in the file: 0 with *key, 1 when there is no file, -1 with a
 * sentence in err. */
static int read_key(const char *path, char **key, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno == ENOENT)
		return 1;
	if (fd < 0) {
		snprintf(err, errlen, "cannot read the sandbox signing key %s: %s%s", path,
		         strerror(errno),
		         errno == EACCES ? " (run the programs that use this store as the user "
		                           "that owns it)"
		                         : "");
		return -1;
	}
	struct stat sb;
	char buf[KEY_MAX + 2];
	ssize_t n = -1;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "the sandbox signing key %s is not a regular file", path);
	} else if (sb.st_mode & 077) {
		/* As for a config file holding a secret (sms-config(5)): refused,
		 * since whoever reads it can forge messages. */
		snprintf(err, errlen, "the sandbox signing key %s is readable or writable by others "
		         "(mode %04o): chmod 600 %s", path, (unsigned)(sb.st_mode & 07777), path);
	} else {
		n = read(fd, buf, sizeof buf);
		if (n < 0)
			snprintf(err, errlen, "cannot read the sandbox signing key %s: %s", path,
			         strerror(errno));
	}
	close(fd);
	if (n < 0)
		return -1;
	size_t len = (size_t)n;
	while (len && isspace((unsigned char)buf[len - 1]))
		len--;
	int ok = len >= KEY_MIN && len <= KEY_MAX;
	for (size_t i = 0; ok && i < len; i++)
		ok = isgraph((unsigned char)buf[i]);
	if (ok)
		*key = xstrndup(buf, len);
	explicit_bzero(buf, sizeof buf);
	if (!ok) {
		snprintf(err, errlen, "%s is not a sandbox signing key (one line of %d to %d printable "
		         "characters; a new one is 64 hexadecimal digits): remove it, and a new one is "
		         "made", path, KEY_MIN, KEY_MAX);
		return -1;
	}
	return 0;
}

/* The directory's entry made durable: a key lost in a crash would leave the
 * signatures made with it unverifiable. */
static void sync_dir(const char *path)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir] = '\0';
	int fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

/* A new key at path, unless another program made one first (then its key
 * stays). 0, or -1 with a sentence in err. */
static int create_key(const char *path, char *err, size_t errlen)
{
	if (util_make_parents(path, err, errlen) != 0)
		return -1;
	unsigned char raw[KEY_BYTES];
	size_t got = 0;
	while (got < sizeof raw) {
		ssize_t r = getrandom(raw + got, sizeof raw - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "cannot make the sandbox signing key: no random bytes from "
			         "the system: %s", strerror(errno));
			return -1;
		}
		got += (size_t)r;
	}
	char text[2 * KEY_BYTES + 1];
	hex_lower(raw, sizeof raw, text);
	text[2 * KEY_BYTES] = '\n';
	explicit_bzero(raw, sizeof raw);
	/* Written whole under a name of its own, then linked into place: link(2)
	 * fails with EEXIST when another program got there first, so nobody ever
	 * reads a half-written key, and nobody replaces one in use. mkostemp
	 * opens with O_CREAT | O_EXCL and mode 0600. */
	struct strbuf tb;
	strbuf_init(&tb);
	strbuf_printf(&tb, "%s.XXXXXX", path);
	char *tmp = strbuf_detach(&tb);
	int fd = mkostemp(tmp, O_CLOEXEC);
	int rc = -1, e = 0;
	if (fd < 0) {
		e = errno;
	} else {
		ssize_t w = write(fd, text, sizeof text);
		if (w != (ssize_t)sizeof text || fsync(fd) != 0)
			e = w < 0 || w == (ssize_t)sizeof text ? errno : ENOSPC;
		if (close(fd) != 0 && !e)
			e = errno;
		if (!e && link(tmp, path) != 0 && errno != EEXIST)
			e = errno;
		unlink(tmp);
		if (!e) {
			sync_dir(path);
			rc = 0;
		}
	}
	explicit_bzero(text, sizeof text);
	if (rc != 0)
		snprintf(err, errlen, "cannot create the sandbox signing key %s: %s (or set "
		         "TWILIO_AUTH_TOKEN: it is then the key)", path, strerror(e));
	free(tmp);
	return rc;
}

char *sandbox_key_get(const struct sms_config *c, char *err, size_t errlen)
{
	const char *token = config_get(c, "TWILIO_AUTH_TOKEN");
	if (token)
		return xstrdup(token);
	char *path = config_side_path(c, ".sandbox-key", err, errlen);
	if (!path)
		return NULL;
	char *key = NULL;
	int r = read_key(path, &key, err, errlen);
	if (r == 1 && create_key(path, err, errlen) == 0) {
		r = read_key(path, &key, err, errlen);
		if (r == 1)
			snprintf(err, errlen, "the sandbox signing key %s vanished as it was made", path);
	}
	free(path);
	return r == 0 ? key : NULL;
}
