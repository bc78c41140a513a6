/* records — NDJSON in and out (smskit(7), Records): one JSON object per line, 1-based line
 * numbers, unknown fields passed through, error records for bad lines (not JSON,
 * not an object, invalid UTF-8, NUL), output in input order, sysexits codes.
 * Programs read with rec_next(), fill in fields, and hand each record to rec_emit(). */
#ifndef SMSKIT_RECORDS_H
#define SMSKIT_RECORDS_H

#include <stdio.h>
#include <sysexits.h>
#include <cjson/cJSON.h>

struct rec_in {
	FILE  *fp;
	char  *line;
	size_t cap;
	size_t lineno;    /* line number of the record last returned */
	size_t nparsed;   /* lines that were JSON objects */
	size_t nbad_json; /* lines that were not JSON at all */
	size_t rawlen;    /* length of the last record's text in line */
	int    had_line;  /* the last record carried its own "line" field */
	char  *scratch;   /* rec_next_lazy(): the unescaped strings of its fields */
	size_t scratch_cap;
};

void rec_in_init(struct rec_in *r, FILE *fp);
void rec_in_free(struct rec_in *r);

/* Reads the next non-blank line. Returns 0 at end of input. Otherwise returns 1
 * and sets exactly one of *obj (the record, "line" already added) or *bad (an
 * error record {"line":N,"ok":false,"error":{...}}, already reported on stderr).
 * The caller owns whichever it gets and passes it to rec_emit(). */
int rec_next(struct rec_in *r, cJSON **obj, cJSON **bad);

/* The checks every input line goes through, for other readers of JSON input
 * (query.c): the offset of the first byte of s[0..n) that is not valid UTF-8,
 * or -1; and 1 when s holds a \u0000 escape (valid JSON that would cut a C
 * string short), else 0. */
long rec_utf8_invalid_at(const char *s, size_t n);
int rec_has_nul_escape(const char *s, size_t n);

/* The last record's text exactly as read (no newline), for programs that only
 * add fields and want to pass the input through byte for byte: see json_str().
 * Valid until the next rec_next() or rec_next_lazy(). */
const char *rec_in_raw(const struct rec_in *r, size_t *len);

/* A top-level field that rec_next_lazy() looks up. The caller sets name; for a record
 * left unparsed the reader sets the rest from the field's first occurrence, the one
 * cJSON_GetObjectItemCaseSensitive() would find. */
struct rec_field {
	const char *name;
	int         type;  /* cJSON_Invalid (0) when absent, else cJSON_String, cJSON_Number,
	                      cJSON_Array, cJSON_Object, cJSON_True, cJSON_False or cJSON_NULL */
	const char *str;   /* cJSON_String: the value unescaped, NUL-terminated (NULL for the
	                      other types); valid until the next read */
	size_t      len;   /*   its length in bytes */
	int         verbatim; /* cJSON_String: written without escapes, so it holds no byte
	                         that json_str() escapes */
	size_t      items; /* cJSON_Array, cJSON_Object: how many values it holds */
};

/* rec_next() for programs that read a few top-level fields and pass the line through
 * (rec_in_raw()). A line of plain JSON (records.c says which: what cJSON surely parses
 * the same way) is not parsed: the call returns 1 with *obj and *bad both NULL, the n
 * fields filled in, had_line set, and the line counted as rec_next() counts it; the
 * record itself, "line" added, is then there from rec_in_object() if needed. Every
 * other line gives exactly what rec_next() gives. */
int rec_next_lazy(struct rec_in *r, struct rec_field *fields, size_t n, cJSON **obj, cJSON **bad);

/* The record rec_next() would have returned for the line rec_next_lazy() left unparsed.
 * The caller owns it. */
cJSON *rec_in_object(struct rec_in *r);

/* Appends s as a JSON string (quoted, escaped as cJSON does) to b. */
struct strbuf;
void json_str(struct strbuf *b, const char *s, size_t n);
/* The same written at dst, which has room for 6 * n + 2 bytes; returns the end. */
char *json_str_put(char *dst, const char *s, size_t n);

typedef void (*rec_text_fn)(FILE *fp, const cJSON *rec, void *arg);

struct rec_out {
	FILE       *fp;
	rec_text_fn text;    /* non-NULL: -o text, this prints one record */
	void       *text_arg;
	size_t      nok, nfail;
};

void rec_out_init(struct rec_out *o, FILE *fp);

/* Parses -o json|text; with arg NULL picks text when fp is a terminal.
 * Returns -1 on an unknown value. */
int rec_out_format(struct rec_out *o, const char *arg, rec_text_fn text, void *text_arg);

/* A program's output: rec_out_init() on stdout, then -o arg as
 * rec_out_format() takes it. 0, or EX_USAGE after saying what -o takes. */
int rec_out_stdout(struct rec_out *o, const char *arg, rec_text_fn text, void *text_arg);

/* Prints the record (one compact line, or text) and counts it as ok or failed
 * by its "ok" field. Frees it. */
void rec_emit(struct rec_out *o, cJSON *rec);

/* Prints one ready-made NDJSON line (without its newline) and counts it. */
void rec_emit_raw(struct rec_out *o, const char *line, size_t len, int ok);

/* Counts one record as ok or failed without printing it: for a program that writes
 * ready-made lines to o->fp itself, many at a time. */
void rec_out_count(struct rec_out *o, int ok);

/* Marks rec failed: "ok": false and "error": {code, message, retryable}; one
 * line on stderr naming the input line when rec has one. */
void rec_fail(cJSON *rec, const char *code, int retryable, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Same, with the provider's own error code kept as "provider_code". */
void rec_fail_provider(cJSON *rec, const char *code, long provider_code, int retryable,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* "ok": true (replacing any "ok" the input carried). */
void rec_set_ok(cJSON *rec);

/* Sets or replaces a field (takes ownership of val). */
void rec_put(cJSON *rec, const char *key, cJSON *val);
void rec_put_str(cJSON *rec, const char *key, const char *s);
void rec_put_num(cJSON *rec, const char *key, double n);

/* The fields of a message a program's options give (--body, --from,
 * --media), in that order, each when given: *media (an array) moves into rec
 * when it holds any URL, and is then NULL. */
void rec_put_message(cJSON *rec, const char *body, const char *from, cJSON **media);

/* A string field, or NULL when absent or not a string. */
const char *rec_str(const cJSON *rec, const char *key);

/* The graver of two "the batch earned" exit hints: 77 (credentials refused)
 * over 69 (provider unreachable) over 75 (try later) over 0. */
int rec_exit_graver(int have, int code);

/* smskit(7), Exit status: 0 when every record was ok; 65 when input was given
 * but none of it was JSON; 1 when any record failed. */
int rec_exit_code(const struct rec_out *o, const struct rec_in *in);

#endif
