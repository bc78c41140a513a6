/* peer — whether the other end of a request is this machine; see peer.h. */
#include "peer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

/* 127.0.0.0/8, in dotted quads. */
static int ipv4_loopback(const char *a)
{
	struct in_addr in;
	return inet_pton(AF_INET, a, &in) == 1 && (ntohl(in.s_addr) >> 24) == 127;
}

int peer_host_is_loopback(const char *host)
{
	if (strcmp(host, "localhost") == 0 || strcmp(host, "::1") == 0)
		return 1;
	return ipv4_loopback(host);
}

int peer_host_header_is_loopback(const char *host)
{
	char h[256];
	const char *end;
	if (*host == '[') {
		host++;
		end = strchr(host, ']');
	} else {
		end = strchr(host, ':');
	}
	size_t n = end ? (size_t)(end - host) : strlen(host);
	if (n == 0 || n >= sizeof h)
		return 0;
	memcpy(h, host, n);
	h[n] = '\0';
	for (char *p = h; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (n > 1 && h[n - 1] == '.')
		h[n - 1] = '\0';
	return peer_host_is_loopback(h);
}

int peer_addr_is_loopback(const char *a)
{
	if (!a)
		return 0;
	if (strcmp(a, "::1") == 0)
		return 1;
	if (strncmp(a, "::ffff:", 7) == 0)
		a += 7;
	return ipv4_loopback(a);
}

const char *peer_proxy_evidence(const char *protocol,
                                const char *(*header)(void *arg, const char *name), void *arg)
{
	/* Apache, Caddy and Traefik add X-Forwarded-For by default, a caching
	 * proxy Via, contrib's nginx example X-Forwarded-For and X-Real-IP. */
	static const char *const names[] = {"Forwarded", "X-Forwarded-For", "X-Forwarded-Host",
	                                    "X-Forwarded-Proto", "X-Real-IP", "Via"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (header(arg, names[i]))
			return names[i];
	if (protocol && strcmp(protocol, "HTTP/1.0") == 0)
		return "HTTP/1.0";
	return NULL;
}
