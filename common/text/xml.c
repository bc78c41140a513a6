/* xml — element texts by path, with expat; see xml.h. */
#include "xml.h"
#include "util.h"

#include <ctype.h>
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 32

struct node {
	char *path, *text;
};

struct xml_doc {
	struct node  *nodes;
	size_t        n, cap;
	/* while parsing */
	struct strbuf path;
	size_t        ends[MAX_DEPTH]; /* path length before each open element */
	struct strbuf text;
	int           depth, too_deep, dtd;
	char          root[64];
	XML_Parser    parser;
};

/* With a namespace separator, expat names elements "uri\x01local". */
static const char *local(const char *name)
{
	const char *sep = strrchr(name, '\x01');
	return sep ? sep + 1 : name;
}

static void XMLCALL on_start(void *arg, const XML_Char *name, const XML_Char **atts)
{
	(void)atts;
	struct xml_doc *d = arg;
	if (d->depth >= MAX_DEPTH) {
		d->too_deep = 1;
		d->depth++;
		return;
	}
	if (d->depth == 0)
		snprintf(d->root, sizeof d->root, "%s", local(name));
	d->ends[d->depth++] = d->path.len;
	if (d->path.len)
		strbuf_putc(&d->path, '/');
	strbuf_puts(&d->path, local(name));
	d->text.len = 0;
}

static void XMLCALL on_end(void *arg, const XML_Char *name)
{
	(void)name;
	struct xml_doc *d = arg;
	if (d->depth-- > MAX_DEPTH)
		return;
	/* Trimmed text; elements with children keep what they held last, harmlessly. */
	const char *t = d->text.s ? d->text.s : "";
	size_t n = d->text.len;
	while (n && isspace((unsigned char)*t)) {
		t++;
		n--;
	}
	while (n && isspace((unsigned char)t[n - 1]))
		n--;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->nodes = xrealloc(d->nodes, d->cap * sizeof *d->nodes);
	}
	d->nodes[d->n].path = xstrndup(d->path.s ? d->path.s : "", d->path.len);
	d->nodes[d->n++].text = xstrndup(t, n);
	d->path.len = d->ends[d->depth];
	if (d->path.s)
		d->path.s[d->path.len] = '\0';
	d->text.len = 0;
}

static void XMLCALL on_text(void *arg, const XML_Char *s, int len)
{
	struct xml_doc *d = arg;
	if (d->text.len + (size_t)len <= 65536)
		strbuf_add(&d->text, s, (size_t)len);
}

static void XMLCALL on_doctype(void *arg, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int internal)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)internal;
	struct xml_doc *d = arg;
	d->dtd = 1;
	XML_StopParser(d->parser, XML_FALSE); /* no entity of a DTD is ever expanded */
}

struct xml_doc *xml_parse(const char *s, size_t len, char *err, size_t errlen)
{
	struct xml_doc *d = xcalloc(1, sizeof *d);
	strbuf_init(&d->path);
	strbuf_init(&d->text);
	XML_Parser p = XML_ParserCreateNS("UTF-8", '\x01');
	if (!p) {
		snprintf(err, errlen, "out of memory");
		xml_free(d);
		return NULL;
	}
	d->parser = p;
	XML_SetUserData(p, d);
	XML_SetElementHandler(p, on_start, on_end);
	XML_SetCharacterDataHandler(p, on_text);
	XML_SetStartDoctypeDeclHandler(p, on_doctype);
	XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
	int ok = XML_Parse(p, s, (int)(len > 1 << 24 ? 1 << 24 : len), 1) == XML_STATUS_OK;
	if (d->dtd)
		snprintf(err, errlen, "an XML answer with a DTD is refused");
	else if (!ok)
		snprintf(err, errlen, "not XML: %s at line %lu", XML_ErrorString(XML_GetErrorCode(p)),
		         (unsigned long)XML_GetCurrentLineNumber(p));
	else if (d->too_deep)
		snprintf(err, errlen, "XML nested deeper than %d elements", MAX_DEPTH);
	XML_ParserFree(p);
	strbuf_free(&d->path);
	strbuf_free(&d->text);
	if (!ok || d->dtd || d->too_deep) {
		xml_free(d);
		return NULL;
	}
	return d;
}

const char *xml_get(const struct xml_doc *d, const char *path)
{
	for (size_t i = 0; d && i < d->n; i++)
		if (strcmp(d->nodes[i].path, path) == 0)
			return d->nodes[i].text;
	return NULL;
}

const char *xml_root(const struct xml_doc *d) { return d ? d->root : ""; }

void xml_free(struct xml_doc *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->nodes[i].path);
		free(d->nodes[i].text);
	}
	free(d->nodes);
	strbuf_free(&d->path);
	strbuf_free(&d->text);
	free(d);
}
