/* xml — the few values smskit reads out of an XML answer (AWS's Query API),
 * parsed with expat: every element's text by its path of local names
 * ("PublishResponse/PublishResult/MessageId"), namespaces ignored. No DTDs,
 * no entities beyond XML's own, no network. Owns only the document it hands back. */
#ifndef SMSKIT_XML_H
#define SMSKIT_XML_H

#include <stddef.h>

struct xml_doc;

/* Parses len bytes; NULL with a sentence in err when it is not well-formed XML
 * (or declares a DTD). */
struct xml_doc *xml_parse(const char *s, size_t len, char *err, size_t errlen);

/* The text of the first element at path (local names joined by '/', from the
 * root), whitespace around it trimmed; NULL when there is none. Valid until
 * xml_free(). */
const char *xml_get(const struct xml_doc *d, const char *path);

/* The local name of the root element ("ErrorResponse"), or "". */
const char *xml_root(const struct xml_doc *d);

void xml_free(struct xml_doc *d);

#endif
