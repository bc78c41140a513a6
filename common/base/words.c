/* words — "a,b c" word by word. See words.h. */
#include "words.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

int words_each(const char *list, int (*fn)(const char *word, void *arg), void *arg)
{
	char *copy = xstrdup(list), *save = NULL;
	int rc = 0;
	for (char *w = strtok_r(copy, ", ", &save); w && !rc; w = strtok_r(NULL, ", ", &save))
		rc = fn(w, arg);
	free(copy);
	return rc;
}
