/* fuzz_webhook — libFuzzer target for what sms-webhookd does with a request: the bytes
 * up to the first newline are the X-Twilio-Signature header, the rest the form body;
 * a body that parses is checked against the header with a fixed token and URL.
 * Never a crash, a leak or undefined behaviour; form_get must find the first pair. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "signature.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	const char *nl = memchr(in, '\n', size);
	size_t hlen = nl ? (size_t)(nl - in) : 0;
	const char *body = nl ? nl + 1 : in;
	size_t blen = nl ? size - hlen - 1 : size;
	char *header = xstrndup(in, hlen);

	struct form f;
	char err[128];
	if (form_parse(body, blen, &f, err, sizeof err) == 0) {
		if (f.n > 0 && form_get(&f, f.pairs[0].name) != f.pairs[0].value)
			abort();
		(void)twilio_signature_valid("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", &f,
		                             header);
		(void)twilio_signature_valid("12345", "http://[::1]:8080/sms/incoming", &f, header);
		char *sig = twilio_signature("12345", "https://u:p@example.com:443/x", &f);
		if (!sig || strlen(sig) != 28)
			abort();
		free(sig);
		form_free(&f);
	} else if (!err[0]) {
		abort();
	}
	free(header);
	return 0;
}
