/* keywordwarn — the carrier opt-out keywords, and whether a body asks its
 * recipient to reply with one ("Reply CONFIRM or CANCEL": the customer who
 * answers CANCEL is opted out of every message). The rule is in
 * smskit-practices(7), Reply words; sms-split, sms-stage, sms-send and the
 * dashboard's counter warn with it. Owns no state, does no I/O. */
#ifndef SMSKIT_KEYWORDWARN_H
#define SMSKIT_KEYWORDWARN_H

#include <stddef.h>

/* The most keywords one body is warned of. */
#define KEYWORDWARN_MAX 4
/* Room for one warning sentence. */
#define KEYWORDWARN_LEN 128

/* 1 when w[0..n) is an opt-out keyword of a carrier or provider, in any case:
 * Twilio's STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT and
 * AWS SNS's ARRET, OPT-OUT, REMOVE and TD (doc/providers.md). */
int keyword_optout(const char *w, size_t n);

/* The opt-out keywords body asks its recipient to reply with, each once, in
 * the order they appear, as upper-case words of a static table: at most max
 * in kw[]. Returns how many. body is UTF-8 (bytes above 0x7f count as
 * letters); NULL is no body. */
size_t keyword_prompts(const char *body, const char **kw, size_t max);

/* The warning for kw (one of keyword_prompts'), in buf: "asks for the reply
 * CANCEL, which opts the customer out of all messages; ask for another
 * word". ASCII, nothing JSON escapes, at most KEYWORDWARN_LEN - 1 bytes. */
void keyword_prompt_warning(const char *kw, char *buf, size_t len);

#endif
