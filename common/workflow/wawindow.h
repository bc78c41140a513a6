/* wawindow — WhatsApp's customer-service window (smskit-whatsapp(7)): a
 * business may send free-form text and media to a WhatsApp number only
 * within 24 hours of that number's latest inbound WhatsApp message; outside
 * it, only an approved template (content_sid). Read from the store, so the
 * sender, the stager, the dashboard and the sandbox agree. */
#ifndef SMSKIT_WAWINDOW_H
#define SMSKIT_WAWINDOW_H

#include <time.h>
#include "store.h"

#define WA_WINDOW_SECONDS (24 * 60 * 60)

/* 1 when the window of address ("whatsapp:+15551234567") is open at now, 0
 * when it is closed, -1 on a store error (the store's error set). *closes_at
 * (may be NULL): when it closes or closed, the latest inbound message's time
 * plus 24 hours; 0 when that number never wrote. */
int wa_window(struct store *s, const char *address, time_t now, time_t *closes_at);

#endif
