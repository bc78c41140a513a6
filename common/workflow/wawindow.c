/* wawindow — WhatsApp's customer-service window. See wawindow.h. */
#include "wawindow.h"

int wa_window(struct store *s, const char *address, time_t now, time_t *closes_at)
{
	time_t last = 0;
	if (closes_at)
		*closes_at = 0;
	if (store_last_inbound(s, address, &last) != STORE_OK)
		return -1;
	if (last == 0)
		return 0;
	if (closes_at)
		*closes_at = last + WA_WINDOW_SECONDS;
	return now < last + WA_WINDOW_SECONDS;
}
