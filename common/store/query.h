/* query — a listing's selection as one JSON object on stdin (--query): read
 * whole and checked (one object, known keys, each of its option's type), each
 * value handed as text to the program's own option code; errors as one error record. */
#ifndef SMSKIT_QUERY_H
#define SMSKIT_QUERY_H

#include <stdio.h>
#include <cjson/cJSON.h>

#include "records.h"

/* What a key holds, and how its value becomes the option's text. */
enum query_type {
	QUERY_STRING, /* a string, as it is */
	QUERY_BOOL,   /* true or false: "true" or "false" */
	QUERY_WHOLE,  /* a whole number: its digits (a negative one keeps its sign) */
	QUERY_WORDS,  /* a string, or an array of strings: joined with commas */
	QUERY_WHOLES, /* an array of whole numbers: joined with commas */
};

struct query_key {
	const char     *name; /* the long option's name, which is also the key */
	enum query_type type;
	int             opt;  /* the program's getopt value for it */
};

/* Where an option's value came from, for its error message: the command line
 * (out NULL: "--KEY ..." on stderr, exit 64) or the query (an error record
 * "query: \"KEY\" ..." on out and the message on stderr, exit 65). */
struct query_origin {
	const char     *key;
	struct rec_out *out;
};

/* Reports a bad value: the origin's name ("--KEY" or "query: \"KEY\""), then
 * the message, which starts with what follows it (" takes", ": "). Returns the exit
 * status for it: EX_USAGE for the command line, EX_DATAERR for the query. */
int query_bad(const struct query_origin *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A --since value (clock_since) into out[32]: 0, or the exit status once a
 * bad one is reported through o. */
int query_since(const struct query_origin *o, const char *val, char out[32]);

/* Reports a query that is wrong as a whole (a combination the program refuses):
 * an error record "query: ..." on out. Returns EX_DATAERR. */
int query_fail(struct rec_out *out, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Applies one value: val is the option's text (for a flag, "true" or "false").
 * Returns 0, or an exit status after reporting the error through o. */
typedef int (*query_apply_fn)(void *arg, int opt, const char *val, const struct query_origin *o);

/* Applies a command-line option (val: its argument, NULL for a flag) through
 * the same function, named after its entry in keys. */
int query_option(const struct query_key *keys, size_t n, int opt, const char *val,
                 query_apply_fn apply, void *arg);

/* The texts handed to apply(), which stay valid until query_free(). */
struct query {
	char  **texts;
	size_t  n;
};

/* Reads the whole of fp: nothing but white space (no query), or one JSON
 * object whose keys are among keys (n of them), each of its type; a key
 * given as null counts as left out, one given twice is refused. Applies each
 * key in the object's order, after the command line's options, and stops at
 * the first error. Returns 0, or EX_DATAERR once the error is reported on out
 * (bad_json, invalid_utf8, nul_byte: not one JSON object; invalid_query: an
 * unknown key, a wrong type, a value refused). */
int query_run(struct query *q, FILE *fp, const struct query_key *keys, size_t n,
              query_apply_fn apply, void *arg, struct rec_out *out);
void query_free(struct query *q);

#endif
