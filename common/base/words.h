/* words — a list of words as options and queries give it: "a,b c", commas or
 * spaces between. Owns no state. */
#ifndef SMSKIT_WORDS_H
#define SMSKIT_WORDS_H

/* Calls fn for each word of list; stops at and returns the first non-zero fn
 * result, else 0. */
int words_each(const char *list, int (*fn)(const char *word, void *arg), void *arg);

#endif
