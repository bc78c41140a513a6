/* peer — whether the other end of a request is this machine, as the review
 * dashboard's access rules ask it (sms-webhookd(1), The review dashboard):
 * a host as --listen names it, the Host header a browser sent, the client's
 * address as a web server gives it to CGI, and what shows that a proxy passed
 * the request on. Both ways of serving (httpd.c, cgi.c) and the dashboard
 * (dashboard_auth.c) ask here, so that one place decides. */
#ifndef SMSKIT_PEER_H
#define SMSKIT_PEER_H

/* 1 when host (as in --listen) is a loopback address: 127.0.0.0/8, ::1,
 * localhost. */
int peer_host_is_loopback(const char *host);

/* 1 when a Host header as a browser sends it ("localhost:3001", "[::1]:3001",
 * "LOCALHOST.") names loopback, as peer_host_is_loopback() reads the host. */
int peer_host_header_is_loopback(const char *host);

/* 1 when addr, a client address in text (CGI's REMOTE_ADDR), is 127.0.0.0/8
 * (also as ::ffff:127.x.y.z) or ::1; 0 for NULL. */
int peer_addr_is_loopback(const char *addr);

/* What shows that a request came through a proxy, for the access rules: the
 * name of a header a proxy adds (Forwarded, X-Forwarded-For, X-Forwarded-Host,
 * X-Forwarded-Proto, X-Real-IP, Via), or HTTP/1.0, which nginx's proxy_pass
 * speaks by default and no browser does; NULL when nothing does. protocol is
 * the request's ("HTTP/1.1"...), or NULL; header(arg, name) gives the value
 * of a request header, or NULL. A proxy that shows none of these cannot be
 * told from a browser on the machine: sms-webhookd(1), The review dashboard. */
const char *peer_proxy_evidence(const char *protocol,
                                const char *(*header)(void *arg, const char *name), void *arg);

#endif
