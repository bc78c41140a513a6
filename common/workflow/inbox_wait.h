/* inbox_wait — sms-inbox --wait (sms-inbox(1)): blocks until a received message
 * that matches the selection is stored after the wait began, without a busy
 * loop: asleep in poll(2) on an inotify watch of the store's directory (a
 * commit by sms-webhookd or the CGI program writes the store's -wal file), a
 * few quick re-checks after a write (the commit becomes visible a moment
 * after its frames are written), and a slow poll in case a notification is
 * missed. What it reads, it reads through the store's functions. */
#ifndef SMSKIT_INBOX_WAIT_H
#define SMSKIT_INBOX_WAIT_H

#include <cjson/cJSON.h>

#include "store.h"

#define INBOX_WAIT_MAX 3600 /* seconds: the longest --wait */

/* What a wait takes: from (as stored, "+15551234567" or
 * "whatsapp:+15551234567") and channel ("sms", "whatsapp"), NULL for any. */
struct inbox_wait {
	const char *from, *channel;
	int         seconds; /* 1 to INBOX_WAIT_MAX */
};

/* What inbox_wait() ended with. */
enum inbox_wait_end {
	INBOX_WAIT_FOUND,   /* fn was called with each message found */
	INBOX_WAIT_TIMEOUT, /* nothing came within the seconds */
	INBOX_WAIT_SIGNAL,  /* SIGINT or SIGTERM came (*sig) */
	INBOX_WAIT_ERROR,   /* the store or the system failed: said on stderr */
};

/* "New" is a message whose id is greater than the greatest id in the store
 * when the wait began (ids grow with every message stored): an older unread
 * message does not end a wait. Every new inbound message that matches, found
 * at the same check, is handed to fn (which owns rec) in id order. SIGINT and
 * SIGTERM are blocked while it waits and reported, not acted on: the caller
 * closes the store, then inbox_wait_reraise(). */
enum inbox_wait_end inbox_wait(struct store *st, const struct inbox_wait *w,
                               int (*fn)(cJSON *rec, void *arg), void *arg, int *sig);

/* Dies of sig, as a program that did not catch it would (the shell then sees
 * the signal, not an exit status); returns 128 + sig if it did not die. */
int inbox_wait_reraise(int sig);

#endif
