/* dashboard_assets — the dashboard's stylesheet and script, served from the
 * binary as /review/app.css and /review/app.js. */
#ifndef SMSKIT_DASHBOARD_ASSETS_H
#define SMSKIT_DASHBOARD_ASSETS_H

extern const char dash_css[];
extern const char dash_js[];

#endif
