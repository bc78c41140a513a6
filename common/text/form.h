/* form — application/x-www-form-urlencoded bodies: splits on '&' and the first '=',
 * decodes '+' and %XX, and rejects what a webhook must answer 400 to (bad escapes,
 * NUL bytes, invalid UTF-8). Owns only the decoded pairs it hands back. */
#ifndef SMSKIT_FORM_H
#define SMSKIT_FORM_H

#include <stddef.h>
#include <cjson/cJSON.h>

struct form_pair {
	char *name, *value;
};

/* The pairs in body order; repeated names are all kept. */
struct form {
	struct form_pair *pairs;
	size_t n;
};

/* Parses len bytes of body into *out (which the caller later passes to form_free).
 * Returns 0, or -1 with a message in err (out is then empty) when a '%' is not
 * followed by two hex digits, the body holds a NUL byte (raw or %00), or a decoded
 * name or value is not valid UTF-8. Empty pieces between '&'s are skipped; a piece
 * without '=' is a name with an empty value. */
int form_parse(const char *body, size_t len, struct form *out, char *err, size_t errlen);

/* The first value of name, or NULL when absent. */
const char *form_get(const struct form *f, const char *name);

void form_free(struct form *f);

/* Appends a pair (copies of name and value). */
void form_add(struct form *f, const char *name, const char *value);

/* Every pair as a JSON object (a repeated name becomes an array of its
 * values, in order), for an event log that must lose no parameter. */
cJSON *form_to_json(const struct form *f);

#endif
