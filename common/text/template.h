/* template — {{var}} placeholders: which a body names, and filling them in from
 * a record (mail-merge). Pure text work; templates are stored by the store. */
#ifndef SMSKIT_TEMPLATE_H
#define SMSKIT_TEMPLATE_H

#include <stddef.h>
#include <cjson/cJSON.h>

/* A placeholder is {{name}} with optional spaces inside the braces; a name is
 * letters, digits, '_', '-' and '.'. Returns -1 with a sentence in err when the
 * body has an unclosed or empty placeholder or a bad name. */
int template_check(const char *body, char *err, size_t errlen);

/* The distinct names a body uses, in order of first use, as a JSON array. */
cJSON *template_vars(const char *body);

/* Fills body from rec: a name is looked up in rec's "vars" object first, then
 * among rec's own fields; strings go in as they are, numbers exactly as written in
 * raw (rawlen bytes, the JSON text rec was parsed from; NULL when there is none, and
 * then as cJSON prints them), booleans as true/false. Returns the text (malloc'd), or
 * NULL with a sentence in err naming the first missing, null, object or array variable. */
char *template_render(const char *body, const cJSON *rec, const char *raw, size_t rawlen,
                      char *err, size_t errlen);

#endif
