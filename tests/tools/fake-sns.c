/* fake-sns — a scripted stand-in for AWS SNS's Query API on loopback, for
 * tests. Every request must carry a valid AWS Signature Version 4, verified
 * here with libcrypto from the headers and body as they arrived
 * (doc/providers.md, SigV4; independent of libcurl, which makes them): the key, the date, region
 * and service of the scope, the signed headers (content-type, host and
 * x-amz-date at least, x-amz-security-token when --token is given) and the
 * signature itself. A wrong one gets AWS's 403 SignatureDoesNotMatch.
 * Logs every request as one NDJSON line (method, path, headers, the signed
 * header list, whether the signature verified, form parameters in order).
 *
 * Actions (Version 2010-03-31):
 *   CheckIfPhoneNumberIsOptedOut  isOptedOut true for the --optout numbers
 *   Publish                       the next line of the script:
 *     ok                 a MessageId
 *     error HTTP CODE [MESSAGE]   AWS's ErrorResponse
 *     noid               200 without a MessageId
 *     hang | drop        never answer | close the connection
 * "to=NUMBER ACTION" lines apply to every Publish to that number; other lines
 * are used once each, in order; then every Publish gets ok.
 *
 * fake-sns --selftest prints the signature and canonical-request hash this
 * verifier computes for botocore's test vector (doc/providers.md, SigV4), and exits.
 *
 * usage: fake-sns --port-file F --log F --key K --secret S --region R
 *                 [--token T] [--script F] [--optout NUMBER]... */
#include <ctype.h>
#include <getopt.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fake-common.h"

static struct {
	pthread_mutex_t lock;
	const char     *key, *secret, *region, *token;
	char          **optout;
	size_t          noptout;
	unsigned long   counter;
	unsigned long   started;  /* fake_run_id(), of which an id holds the low 32 bits */
} g = {.lock = PTHREAD_MUTEX_INITIALIZER, .region = "us-east-1"};

/* ---- SigV4 ---------------------------------------------------------------------- */

static void hex(const unsigned char *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void sha256_hex(const char *s, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned int len = 0;
	EVP_Digest(s, n, md, &len, EVP_sha256(), NULL);
	hex(md, 32, out);
}

static void hmac(const unsigned char *key, size_t klen, const char *msg, unsigned char out[32])
{
	unsigned int len = 0;
	HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out, &len);
}

struct hdr {
	const char *name;  /* lower case */
	const char *value; /* as received */
};

/* The signature of a POST to "/" with no query: the canonical request (method,
 * path, empty query, the signed headers with trimmed values, the signed-header
 * list, the body's SHA-256), the string to sign, the derived key. */
static void sigv4(const char *secret, const char *date8, const char *amzdate, const char *region,
                  const char *service, const struct hdr *h, size_t nh, const char *body,
                  size_t blen, char sig[65], char creq_hash[65])
{
	size_t cap = blen + 4096;
	for (size_t i = 0; i < nh; i++)
		cap += strlen(h[i].name) + strlen(h[i].value) + 4;
	char *creq = malloc(cap), *o = creq;
	o += sprintf(o, "POST\n/\n\n");
	for (size_t i = 0; i < nh; i++) {
		const char *v = h[i].value;
		while (*v == ' ' || *v == '\t')
			v++;
		size_t n = strlen(v);
		while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
			n--;
		o += sprintf(o, "%s:%.*s\n", h[i].name, (int)n, v);
	}
	o += sprintf(o, "\n");
	for (size_t i = 0; i < nh; i++)
		o += sprintf(o, "%s%s", i ? ";" : "", h[i].name);
	char bh[65];
	sha256_hex(body, blen, bh);
	o += sprintf(o, "\n%s", bh);
	sha256_hex(creq, (size_t)(o - creq), creq_hash);
	free(creq);
	char sts[512];
	snprintf(sts, sizeof sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", amzdate, date8,
	         region, service, creq_hash);
	char k0[256];
	snprintf(k0, sizeof k0, "AWS4%s", secret);
	unsigned char k1[32], k2[32], k3[32], k4[32], s[32];
	hmac((unsigned char *)k0, strlen(k0), date8, k1);
	hmac(k1, 32, region, k2);
	hmac(k2, 32, service, k3);
	hmac(k3, 32, "aws4_request", k4);
	hmac(k4, 32, sts, s);
	hex(s, 32, sig);
}

static int selftest(void)
{
	static const char body[] =
		"Action=Publish&Version=2010-03-31&PhoneNumber=%2B15555550100&Message=Hello+from+test"
		"&MessageAttributes.entry.1.Name=AWS.SNS.SMS.SMSType"
		"&MessageAttributes.entry.1.Value.DataType=String"
		"&MessageAttributes.entry.1.Value.StringValue=Transactional";
	struct hdr h[] = {{"content-type", "application/x-www-form-urlencoded"},
	                  {"host", "sns.us-east-1.amazonaws.com"},
	                  {"x-amz-date", "20240102T030405Z"}};
	char sig[65], ch[65], bh[65];
	sha256_hex(body, strlen(body), bh);
	sigv4("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20240102", "20240102T030405Z",
	      "us-east-1", "sns", h, 3, body, strlen(body), sig, ch);
	printf("body %s\ncanonical %s\nsignature %s\n", bh, ch, sig);
	return 0;
}

/* "AWS4-HMAC-SHA256 Credential=K/D/R/S/aws4_request, SignedHeaders=a;b, Signature=x" */
static int parse_auth(const char *a, char *cred, size_t clen, char *signed_h, size_t slen,
                      char *sig, size_t siglen)
{
	if (!a || strncmp(a, "AWS4-HMAC-SHA256 ", 17) != 0)
		return -1;
	const char *c = strstr(a, "Credential="), *s = strstr(a, "SignedHeaders="),
	           *g2 = strstr(a, "Signature=");
	if (!c || !s || !g2)
		return -1;
	snprintf(cred, clen, "%.*s", (int)strcspn(c + 11, ", "), c + 11);
	snprintf(signed_h, slen, "%.*s", (int)strcspn(s + 14, ", "), s + 14);
	snprintf(sig, siglen, "%.*s", (int)strcspn(g2 + 10, ", "), g2 + 10);
	return 0;
}

/* 0 when the request's signature verifies; else -1 with AWS's code and words. */
static int verify(struct MHD_Connection *c, const char *body, size_t blen, char *signed_out,
                  size_t signed_len, const char **code, char *why, size_t whylen)
{
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	const char *amzdate = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Date");
	char cred[256], sh[256], sig[128];
	*code = "IncompleteSignature";
	signed_out[0] = '\0';
	if (parse_auth(auth, cred, sizeof cred, sh, sizeof sh, sig, sizeof sig) != 0 || !amzdate) {
		*code = "MissingAuthenticationToken";
		snprintf(why, whylen, "Request is missing Authentication Token");
		return -1;
	}
	snprintf(signed_out, signed_len, "%s", sh);
	char key[128], date8[16], region[64], service[64], term[32];
	if (sscanf(cred, "%127[^/]/%15[^/]/%63[^/]/%63[^/]/%31s", key, date8, region, service,
	           term) != 5 || strcmp(term, "aws4_request") != 0) {
		snprintf(why, whylen, "Credential should be scoped to a valid region");
		return -1;
	}
	if (strcmp(key, g.key) != 0) {
		*code = "InvalidClientTokenId";
		snprintf(why, whylen, "The security token included in the request is invalid.");
		return -1;
	}
	if (strncmp(amzdate, date8, 8) != 0 || strcmp(region, g.region) != 0 ||
	    strcmp(service, "sns") != 0) {
		snprintf(why, whylen, "Credential should be scoped to a valid region, date and service");
		return -1;
	}
	struct tm tm = {0};
	if (sscanf(amzdate, "%4d%2d%2dT%2d%2d%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	           &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
		snprintf(why, whylen, "X-Amz-Date is not in the ISO 8601 basic format");
		return -1;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	long skew = (long)(timegm(&tm) - time(NULL));
	if (skew > 900 || skew < -900) {
		*code = "SignatureDoesNotMatch";
		snprintf(why, whylen, "Signature expired: the request time is %ld s away", skew);
		return -1;
	}
	/* Every header named must be there; these must be named. */
	static const char *const required[] = {"content-type", "host", "x-amz-date"};
	for (size_t i = 0; i < 3; i++) {
		char pat[64];
		snprintf(pat, sizeof pat, ";%s;", required[i]);
		char list[300];
		snprintf(list, sizeof list, ";%s;", sh);
		if (!strstr(list, pat)) {
			snprintf(why, whylen, "'%s' must be a signed header", required[i]);
			return -1;
		}
	}
	const char *tok = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Security-Token");
	if (g.token) {
		char list[300];
		snprintf(list, sizeof list, ";%s;", sh);
		if (!tok || strcmp(tok, g.token) != 0 || !strstr(list, ";x-amz-security-token;")) {
			*code = "InvalidClientTokenId";
			snprintf(why, whylen, "The security token included in the request is invalid.");
			return -1;
		}
	}
	struct hdr h[16];
	size_t nh = 0;
	char names[300];
	snprintf(names, sizeof names, "%s", sh);
	char *save = NULL;
	const char *prev = "";
	for (char *n = strtok_r(names, ";", &save); n && nh < 16; n = strtok_r(NULL, ";", &save)) {
		if (strcmp(n, prev) <= 0) {
			snprintf(why, whylen, "SignedHeaders are not sorted");
			return -1;
		}
		prev = n;
		const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, n);
		if (!v) {
			snprintf(why, whylen, "signed header '%s' is not in the request", n);
			return -1;
		}
		h[nh].name = n;
		h[nh++].value = v;
	}
	char want[65], ch[65];
	sigv4(g.secret, date8, amzdate, region, service, h, nh, body, blen, want, ch);
	if (strcmp(want, sig) != 0) {
		*code = "SignatureDoesNotMatch";
		snprintf(why, whylen, "The request signature we calculated does not match the "
		         "signature you provided. Check your AWS Secret Access Key and signing method.");
		return -1;
	}
	return 0;
}

/* ---- Requests -------------------------------------------------------------------- */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *xml)
{
	return fake_reply(c, code, "text/xml", xml, NULL);
}

static void request_id(char out[40])
{
	pthread_mutex_lock(&g.lock);
	unsigned long n = ++g.counter;
	pthread_mutex_unlock(&g.lock);
	snprintf(out, 40, "%08lx-0000-4000-8000-%012lx", g.started & 0xffffffffUL, n);
}

static enum MHD_Result aws_error(struct MHD_Connection *c, unsigned http, const char *type,
                                 const char *code, const char *msg)
{
	char id[40], buf[2048];
	request_id(id);
	snprintf(buf, sizeof buf,
	         "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">\n"
	         "  <Error>\n    <Type>%s</Type>\n    <Code>%s</Code>\n    <Message>%s</Message>\n"
	         "  </Error>\n  <RequestId>%s</RequestId>\n</ErrorResponse>\n",
	         type, code, msg, id);
	return reply(c, http, buf);
}

static void log_request(struct MHD_Connection *c, const char *method, const char *url,
                        const cJSON *params, const char *signed_h, int sig_ok)
{
	static const char *const hdrs[] = {"Content-Type", "Accept", "Host", "User-Agent",
	                                   "X-Amz-Security-Token"};
	cJSON *l = cJSON_CreateObject();
	cJSON_AddStringToObject(l, "method", method);
	cJSON_AddStringToObject(l, "path", url);
	fake_log_headers(l, c, hdrs, sizeof hdrs / sizeof *hdrs);
	cJSON_AddStringToObject(l, "signed_headers", signed_h);
	cJSON_AddBoolToObject(l, "sig_ok", sig_ok);
	cJSON_AddItemToObject(l, "params", params ? cJSON_Duplicate(params, 1) : cJSON_CreateNull());
	fake_log_write(l);
}

static enum MHD_Result publish(struct MHD_Connection *c, const cJSON *params)
{
	const char *to = fake_param(params, "PhoneNumber");
	if (!to || !fake_param(params, "Message"))
		return aws_error(c, 400, "Sender", "InvalidParameter",
		                 "Invalid parameter: PhoneNumber or Message is missing");
	char *action = fake_next_action(to);
	char word[32] = "", rest[512] = "";
	sscanf(action, "%31s %511[^\n]", word, rest);
	free(action);
	char id[40], rid[40], buf[1024];
	if (strcmp(word, "ok") == 0 || strcmp(word, "noid") == 0) {
		request_id(id);
		request_id(rid);
		snprintf(buf, sizeof buf,
		         "<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">\n"
		         "  <PublishResult>\n%s%s%s  </PublishResult>\n"
		         "  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n  </ResponseMetadata>\n"
		         "</PublishResponse>\n",
		         word[0] == 'o' ? "    <MessageId>" : "", word[0] == 'o' ? id : "",
		         word[0] == 'o' ? "</MessageId>\n" : "", rid);
		return reply(c, 200, buf);
	}
	if (strcmp(word, "error") == 0) {
		unsigned http = 400;
		char code[64] = "InternalError";
		int n = 0;
		sscanf(rest, "%u %63s %n", &http, code, &n);
		return aws_error(c, http, http >= 500 ? "Receiver" : "Sender", code,
		                 n > 0 && rest[n] ? rest + n : "scripted error");
	}
	if (strcmp(word, "hang") == 0)
		return fake_hang();
	if (strcmp(word, "drop") == 0)
		return MHD_NO;
	return aws_error(c, 500, "Receiver", "InternalError", "fake-sns: bad script line");
}

static enum MHD_Result opted_out(struct MHD_Connection *c, const cJSON *params)
{
	const char *n = fake_param(params, "phoneNumber");
	if (!n)
		return aws_error(c, 400, "Sender", "InvalidParameter",
		                 "Invalid parameter: phoneNumber is missing");
	int out = 0;
	for (size_t i = 0; i < g.noptout; i++)
		out |= strcmp(g.optout[i], n) == 0;
	char rid[40], buf[1024];
	request_id(rid);
	snprintf(buf, sizeof buf,
	         "<CheckIfPhoneNumberIsOptedOutResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">\n"
	         "  <CheckIfPhoneNumberIsOptedOutResult>\n    <isOptedOut>%s</isOptedOut>\n"
	         "  </CheckIfPhoneNumberIsOptedOutResult>\n"
	         "  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n  </ResponseMetadata>\n"
	         "</CheckIfPhoneNumberIsOptedOutResponse>\n",
	         out ? "true" : "false", rid);
	return reply(c, 200, buf);
}

static enum MHD_Result handle(struct MHD_Connection *c, const char *method, const char *url,
                              const char *body, size_t len)
{
	cJSON *params = fake_form_params(body, len);
	const char *code;
	char why[256], signed_h[256];
	int ok = verify(c, body, len, signed_h, sizeof signed_h, &code, why, sizeof why) == 0;
	log_request(c, method, url, params, signed_h, ok);
	enum MHD_Result ret;
	const char *action = params ? fake_param(params, "Action") : NULL;
	if (!ok)
		ret = aws_error(c, 403, "Sender", code, why);
	else if (strcmp(method, "POST") != 0 || strcmp(url, "/") != 0)
		ret = aws_error(c, 404, "Sender", "NotFound", "fake-sns answers POST / only");
	else if (!params || !fake_param(params, "Version") ||
	         strcmp(fake_param(params, "Version"), "2010-03-31") != 0)
		ret = aws_error(c, 400, "Sender", "InvalidParameter", "Version must be 2010-03-31");
	else if (action && strcmp(action, "Publish") == 0)
		ret = publish(c, params);
	else if (action && strcmp(action, "CheckIfPhoneNumberIsOptedOut") == 0)
		ret = opted_out(c, params);
	else
		ret = aws_error(c, 400, "Sender", "InvalidAction", "The action is not valid for this endpoint.");
	cJSON_Delete(params);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--selftest") == 0)
		return selftest();
	static const struct option longopts[] = {
		{"port-file", required_argument, NULL, 'p'}, {"log", required_argument, NULL, 'l'},
		{"script", required_argument, NULL, 's'},    {"key", required_argument, NULL, 'k'},
		{"secret", required_argument, NULL, 'S'},    {"region", required_argument, NULL, 'r'},
		{"token", required_argument, NULL, 't'},     {"optout", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	const char *port_file = NULL, *log_path = "/dev/null";
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': port_file = optarg; break;
		case 'l': log_path = optarg; break;
		case 's': fake_script_load(optarg); break;
		case 'k': g.key = optarg; break;
		case 'S': g.secret = optarg; break;
		case 'r': g.region = optarg; break;
		case 't': g.token = optarg; break;
		case 'o':
			g.optout = realloc(g.optout, (g.noptout + 1) * sizeof *g.optout);
			g.optout[g.noptout++] = optarg;
			break;
		default:
			fprintf(stderr, "usage: fake-sns --port-file F --log F --key K --secret S "
			                "--region R [--token T] [--script F] [--optout NUMBER]...\n");
			return 64;
		}
	}
	if (!g.key || !g.secret) {
		fprintf(stderr, "fake-sns: --key and --secret are required\n");
		return 64;
	}
	g.started = fake_run_id();
	struct fake_server s = {.name = "fake-sns", .port_file = port_file, .log_path = log_path,
	                        .handle = handle};
	return fake_serve(&s);
}
