/* dashboard_inbox — the receiving side: the inbox, conversations by number,
 * marking messages read or unread, and the reply form under a received
 * message (dashboard_reply.h answers it; a failed reply comes back here). */
#ifndef SMSKIT_DASHBOARD_INBOX_H
#define SMSKIT_DASHBOARD_INBOX_H

#include "dashboard_int.h"

void dash_inbox_get(struct dash *x);    /* GET inbox */
void dash_threads_get(struct dash *x);  /* GET conversations */
void dash_read_post(struct dash *x);    /* POST read */

#endif
