/* keywordwarn — opt-out keywords, and bodies that ask for one as a reply. See
 * keywordwarn.h; the rule, in words, is smskit-practices(7), Reply words.
 *
 * The body is cut into words; a request is a verb of replying (reply, text,
 * send, respond, answer, type) said to the reader, and the words it asks for
 * are those written in capitals or quoted within the six words after it, in
 * its sentence, or the one word right after it in any case ("reply cancel").
 * An opt-out keyword so asked for is warned of unless it is offered as the
 * way to opt out: "Reply STOP to opt out", "STOP to stop receiving
 * messages", "To unsubscribe, text STOP", or a bare "Reply STOP". CANCEL,
 * END, QUIT, REMOVE and TD have other meanings, so for them a bare "to cancel"
 * is not enough: "Reply CANCEL to cancel" warns, as the customer who cancels
 * an appointment so is opted out. */
#include "keywordwarn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct keyword {
	const char *word;
	int         sns_only; /* AWS SNS's alone */
	int         plain;    /* means only "opt out": a bare "Reply STOP" is the notice */
};

static const struct keyword keywords[] = {
	{"STOP", 0, 1},   {"STOPALL", 0, 1}, {"UNSUBSCRIBE", 0, 1}, {"CANCEL", 0, 0},
	{"END", 0, 0},    {"QUIT", 0, 0},    {"REVOKE", 0, 1},      {"OPTOUT", 0, 1},
	{"OPT-OUT", 1, 1}, {"ARRET", 1, 1},  {"REMOVE", 1, 0},      {"TD", 1, 0},
};
#define NKEYWORDS (sizeof keywords / sizeof *keywords)

static const struct keyword *keyword_of(const char *w, size_t n)
{
	for (size_t i = 0; i < NKEYWORDS; i++)
		if (strlen(keywords[i].word) == n && strncasecmp(w, keywords[i].word, n) == 0)
			return &keywords[i];
	return NULL;
}

int keyword_optout(const char *w, size_t n) { return w && keyword_of(w, n) != NULL; }

/* ---- Words ----------------------------------------------------------------------------- */

struct tok {
	const char *s;
	size_t      n;
	unsigned    quoted : 1; /* a quotation mark right before and right after */
	unsigned    caps : 1;   /* ASCII capitals only */
	unsigned    brk : 1;    /* a new clause or sentence starts here */
	unsigned    sent : 1;   /* a new sentence starts here */
};

/* Length of the quotation mark at p (", ', curly quotes, guillemets), or 0. */
static size_t quote_at(const unsigned char *p, const unsigned char *end)
{
	if (p >= end)
		return 0;
	if (*p == '"' || *p == '\'')
		return 1;
	if (end - p >= 2 && p[0] == 0xc2 && (p[1] == 0xab || p[1] == 0xbb))
		return 2;
	if (end - p >= 3 && p[0] == 0xe2 && p[1] == 0x80 &&
	    (p[2] == 0x98 || p[2] == 0x99 || p[2] == 0x9c || p[2] == 0x9d))
		return 3;
	return 0;
}

static int ascii_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* A byte of a word: ASCII letters and digits, and any other letter (UTF-8
 * above 0x7f) except quotation marks and U+2000-U+206F's punctuation. */
static int word_byte(const unsigned char *p, const unsigned char *end)
{
	if (ascii_alnum(*p))
		return 1;
	if (*p < 0x80)
		return 0;
	if (end - p >= 2 && p[0] == 0xe2 && (p[1] == 0x80 || p[1] == 0x81))
		return 0;
	return quote_at(p, end) == 0;
}

/* The words of body, at most max (the rest is not looked at); returns how many. */
static size_t words(const char *body, struct tok *t, size_t max)
{
	const unsigned char *p = (const unsigned char *)body, *end = p + strlen(body);
	size_t n = 0;
	int brk = 1, sent = 1, quote_before = 0;
	while (p < end && n < max) {
		if (word_byte(p, end)) {
			const unsigned char *s = p;
			while (p < end) {
				if (word_byte(p, end)) {
					p++;
					continue;
				}
				/* we'll, we’ll, opt-out: joined when a word goes on */
				size_t j = *p == '-' ? 1 : (*p == '\'' ? 1 : quote_at(p, end));
				if ((j == 1 && (*p == '-' || *p == '\'')) || (j == 3 && p[2] == 0x99)) {
					if (p + j < end && word_byte(p + j, end)) {
						p += j;
						continue;
					}
				}
				break;
			}
			struct tok *w = &t[n++];
			w->s = (const char *)s;
			w->n = (size_t)(p - s);
			w->quoted = quote_before && quote_at(p, end) > 0;
			int upper = 0, other = 0;
			for (const unsigned char *c = s; c < p; c++) {
				if (*c >= 'A' && *c <= 'Z')
					upper = 1;
				else if ((*c >= 'a' && *c <= 'z') || *c >= 0x80)
					other = 1;
			}
			w->caps = upper && !other;
			w->brk = (unsigned)brk;
			w->sent = (unsigned)sent;
			brk = sent = quote_before = 0;
			continue;
		}
		size_t q = quote_at(p, end);
		if (q) {
			quote_before = 1;
			p += q;
			continue;
		}
		quote_before = 0;
		if (*p == '.' || *p == '!' || *p == '?') {
			if (p + 1 >= end || !ascii_alnum(p[1])) /* not 2.5 nor example.com */
				brk = sent = 1;
		} else if (*p == '\n') {
			brk = sent = 1;
		} else if (*p == ',' || *p == ';' || *p == ':' || *p == '(' || *p == ')') {
			brk = 1;
		}
		p++;
	}
	return n;
}

static int is(const struct tok *w, const char *s)
{
	return strlen(s) == w->n && strncasecmp(w->s, s, w->n) == 0;
}

static int is_any(const struct tok *w, const char *const *set)
{
	for (; *set; set++)
		if (is(w, *set))
			return 1;
	return 0;
}

static int digits(const struct tok *w)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->s[i] < '0' || w->s[i] > '9')
			return 0;
	return 1;
}

static const char *const verbs[] = {"reply", "replying", "respond", "responding", "answer",
                                    "answering", "text", "texting", "txt", "send", "sending",
                                    "type", "typing", NULL};
/* Before a verb, words that make it no request of the reader: "we'll text",
 * "your reply". */
static const char *const not_asked[] = {
	"we", "we'll", "we\xe2\x80\x99ll", "i", "i'll", "i\xe2\x80\x99ll", "they", "he", "she",
	"it", "will", "would", "shall", "who", "that", "which", "the", "a", "an", "your", "this",
	"our", "my", "their", "his", "her", "its", "no", "not", "never", "don't",
	"don\xe2\x80\x99t", "won't", "won\xe2\x80\x99t", "didn't", "didn\xe2\x80\x99t", "cannot",
	"can't", "can\xe2\x80\x99t", NULL};
/* Words that end what a verb asks for: "Reply YES, or call us to CANCEL". */
static const char *const stoppers[] = {"call", "visit", "click", "tap", "go", "email", "see",
                                       "we", "we'll", "we\xe2\x80\x99ll", "i", "i'll", "you",
                                       "you'll", "if", "when", "will", "unless", "because",
                                       "but", "so", NULL};
/* Between a verb and the one word it asks for in any case: "reply with cancel". */
static const char *const fillers[] = {"with", "the", "word", "back", "just", NULL};
/* Stopping, what and of what (smskit-practices(7)). */
static const char *const exits[] = {"stop", "end", "cancel", "quit", "halt", "remove", NULL};
static const char *const dets[] = {"all", "these", "our", "future", "further", "any",
                                   "more", "the", "marketing", "promotional", "sms",
                                   "text", NULL};
static const char *const objects[] = {
	"messages", "message", "msgs", "msg", "texts", "text", "sms", "alerts", "alert",
	"notifications", "updates", "reminders", "offers", "promos", "promotions",
	"receiving", "getting", "subscription", "marketing", "all", NULL};

/* Between a keyword and what it is for: "STOP at any time to opt out". */
static const char *const whenever[] = {"at", "any", "time", "anytime", "now", "back", NULL};

/* Where a clause ends: the end, a new clause, or "or"/"and" going on to another. */
static int clause_end(const struct tok *t, size_t n, size_t k)
{
	return k >= n || t[k].brk || is(&t[k], "or") || is(&t[k], "and");
}

/* 1 when the words from k say "opting out": opt out, unsubscribe, be
 * removed, no more (messages), stop (all) messages, stop receiving, end
 * delivery notifications (what is stopped within three words); a bare "stop"
 * (nothing after it in its clause) when plain. */
static int optout_phrase(const struct tok *t, size_t n, size_t k, int plain)
{
	if (k >= n || t[k].brk)
		return 0;
	int next = k + 1 < n && !t[k + 1].brk;
	if (is(&t[k], "opt") || is(&t[k], "opting"))
		return next && is(&t[k + 1], "out");
	if (is(&t[k], "opt-out") || is(&t[k], "optout") || is(&t[k], "unsubscribe") ||
	    is(&t[k], "unsub"))
		return 1;
	if (is(&t[k], "be"))
		return next && (is(&t[k + 1], "removed") || is(&t[k + 1], "unsubscribed"));
	if (is(&t[k], "no"))
		return next && is(&t[k + 1], "more");
	if (!is_any(&t[k], exits))
		return 0;
	size_t m = k + 1, d = 0;
	while (m < n && !t[m].brk && d < 2 && is_any(&t[m], dets) && !is_any(&t[m], objects)) {
		m++;
		d++;
	}
	if (clause_end(t, n, m))
		return d > 0 || plain;
	/* what it stops, within three words: "to end delivery notifications" */
	for (size_t o = m; o < m + 3 && !clause_end(t, n, o); o++)
		if (is_any(&t[o], objects))
			return 1;
	return 0;
}

/* 1 when the keyword at j is offered as the way to opt out: "STOP to opt
 * out", "STOP or QUIT to unsubscribe", "STOP to 12345 to stop messages",
 * "STOP at any time to opt out", or a bare plain keyword ("Reply STOP."). */
static int offered(const struct tok *t, size_t n, size_t j, int plain, int caps_mean)
{
	size_t k = j + 1;
	for (;;) {
		if (k >= n || t[k].brk)
			return plain;
		if (is(&t[k], "or") || is(&t[k], "and") || (caps_mean && t[k].caps) || t[k].quoted ||
		    keyword_optout(t[k].s, t[k].n)) {
			k++;
			continue;
		}
		if (is_any(&t[k], whenever)) {
			k++;
			continue;
		}
		if (is(&t[k], "to") && k + 1 < n && !t[k + 1].brk &&
		    (digits(&t[k + 1]) || is(&t[k + 1], "us"))) {
			k += 2;
			continue;
		}
		break;
	}
	if (is(&t[k], "to") || is(&t[k], "2") || is(&t[k], "for"))
		return optout_phrase(t, n, k + 1, plain);
	return 0;
}

#define BEFORE 12 /* words before a verb that may say what it is for */

/* 1 when the sentence before the verb at i says it is the way to opt out
 * ("To opt out, reply STOP"), with no other request before it. Only the
 * BEFORE words before it: a body of one endless sentence stays linear. */
static int optout_before(const struct tok *t, size_t n, size_t i)
{
	size_t s = i;
	while (s > 0 && !t[s].sent && i - s < BEFORE)
		s--;
	for (size_t k = s; k < i; k++)
		if (is_any(&t[k], verbs))
			return 0;
	for (size_t k = s; k < i; k++)
		if (optout_phrase(t, n, k, 0))
			return 1;
	return 0;
}

static void found(const struct keyword *kw, const char **out, size_t *nout, size_t max)
{
	for (size_t i = 0; i < *nout; i++)
		if (out[i] == kw->word)
			return;
	if (*nout < max)
		out[(*nout)++] = kw->word;
}

#define WINDOW 6 /* words after a verb that it may ask for */

size_t keyword_prompts(const char *body, const char **kw, size_t max)
{
	if (!body || max == 0)
		return 0;
	size_t len = strlen(body), cap = len / 2 + 1, nout = 0;
	struct tok stack[256], *t = cap <= 256 ? stack : malloc(cap * sizeof *t);
	if (!t)
		return 0; /* a warning is no reason to fail */
	size_t n = words(body, t, cap);
	/* Capitals mean emphasis only in a body that has small letters too. */
	int caps_mean = 0;
	for (const char *c = body; *c && !caps_mean; c++)
		caps_mean = *c >= 'a' && *c <= 'z';
	for (size_t i = 0; i < n; i++) {
		if (!is_any(&t[i], verbs))
			continue;
		if (i > 0 && !t[i].brk && is_any(&t[i - 1], not_asked))
			continue;
		int before = optout_before(t, n, i);
		size_t first = i + 1;
		while (first < n && !t[first].brk && is_any(&t[first], fillers))
			first++;
		for (size_t j = i + 1; j < n && j <= i + WINDOW && !t[j].sent; j++) {
			if (is_any(&t[j], verbs) || is_any(&t[j], stoppers))
				break;
			const struct keyword *k = keyword_of(t[j].s, t[j].n);
			if (!k)
				continue;
			int asked = t[j].quoted || (caps_mean && t[j].caps) || j == first;
			if (asked && !before && !offered(t, n, j, k->plain, caps_mean))
				found(k, kw, &nout, max);
		}
	}
	if (t != stack)
		free(t);
	return nout;
}

void keyword_prompt_warning(const char *kw, char *buf, size_t len)
{
	const struct keyword *k = keyword_of(kw, strlen(kw));
	snprintf(buf, len, "asks for the reply %s, which opts the customer out of all messages%s; "
	         "ask for another word", kw, k && k->sns_only ? " on AWS SNS" : "");
}
