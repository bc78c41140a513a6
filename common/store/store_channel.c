/* store_channel — what the store knows of a channel's rules
 * (smskit-whatsapp(7)): the latest inbound message from an address, which
 * opens WhatsApp's 24-hour customer-service window. See store.h. */
#include "store.h"
#include "store_internal.h"
#include "clock.h"

#include <sqlite3.h>

static const char *const channel_sql[ST__N] = {
	[ST_LAST_INBOUND] = "SELECT max(created_at) FROM messages "
	                    "WHERE from_number = ?1 AND direction = 'inbound'",
};

int lite_last_inbound(struct store *s, const char *address, time_t *at)
{
	*at = 0;
	/* messages_from (from_number, created_at): one index probe, the newest. */
	sqlite3_stmt *st = store__stmt(s, channel_sql, ST_LAST_INBOUND);
	if (!st)
		return STORE_ERR;
	store__bind_text(st, 1, address);
	int rc = sqlite3_step(st) == SQLITE_ROW ? STORE_OK
	                                        : store__dberr(s, "reading the latest inbound message");
	if (rc == STORE_OK && sqlite3_column_type(st, 0) != SQLITE_NULL &&
	    clock_parse_strict((const char *)sqlite3_column_text(st, 0), at) != 0)
		*at = 0;
	store__done(st);
	return rc;
}
