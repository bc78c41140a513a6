#!/usr/bin/env bash
# t1500-signature — X-Twilio-Signature (common/providers/twilio_webhook.c) over form bodies
# (common/text/form.c), through tests/tools/sig-check: the published SDK test vectors of
# Twilio's validators (doc/providers.md, Twilio request signatures), signatures made
# independently with the openssl CLI, the port variants (sms-webhookd(1),
# Signatures), rejections, and malformed bodies.
. tests/lib.sh

# sig TOKEN URL BODY [HEADER]: one line through sig-check, its output on stdout.
sig() {
	if [ $# -ge 4 ]; then
		jq -nc --arg t "$1" --arg u "$2" --arg b "$3" --arg h "$4" '{token:$t,url:$u,body:$b,header:$h}'
	else
		jq -nc --arg t "$1" --arg u "$2" --arg b "$3" '{token:$t,url:$u,body:$b}'
	fi | sig-check
}
# expected TOKEN URL BODY: the signature sig-check computes for URL as given.
expected() { sig "$1" "$2" "$3" | jq -r '.["expected"]'; }
# valid TOKEN URL BODY HEADER: true or false.
valid() { sig "$@" | jq -r '.["valid"]'; }
# osig TOKEN STRING: the openssl CLI's signature of STRING (URL + sorted params).
osig() { printf '%s' "$2" | openssl dgst -sha1 -hmac "$1" -binary | base64; }

# --- 1. published vectors (doc/providers.md, Twilio request signatures) ----------
U='https://mycompany.com/myapp.php?foo=1&bar=2'
C='CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212'
v() { # v N URL BODY SIGNATURE
	check_eq "vector $1: computed" "$4" "$(expected 12345 "$2" "$3")"
	check_eq "vector $1: accepted" true "$(valid 12345 "$2" "$3" "$4")"
}
v 1 "$U" "$C" 'RSOYDt4T1cUTdK1PDd93/VVr8B8='
v 2 'https://mycompany.com:443/myapp.php?foo=1&bar=2' "$C" 'kvajT1Ptam85bY51eRf/AJRuM3w='
v 3 'http://mycompany.com:80/myapp.php?foo=1&bar=2' "$C" '0ZXoZLH/DfblKGATFgpif+LLRf4='
v 4 'http://mycompany.com:1234/myapp.php?foo=1&bar=2' "$C" 'Zmvh+3yNM1Phv2jhDCwEM3q5ebU='
v 5 'https://user:pass@mycompany.com/myapp.php?foo=1&bar=2' "$C" 'CukzLTc1tT5dXEDIHm/tKBanW10='
v 6 'https://user@mycompany.com/myapp.php?foo=1&bar=2' "$C" '2YRLlVAflCqxaNicjMpJcSTgzSs='
v 7 'https://user:pass@mycompany.com:443/myapp.php?foo=1&bar=2' "$C" 'ZQFR1PTIZXF2MXB8ZnKCvnnA+rI='
v 8 "$U&Body=It%27s+amazing" "$C" 'TfZzewPq8wqrGlMfyAud8+/IvJ0='
v 9 "$U" 'MessagingBinding.Address=%2B1325xxxxxxx&MessagingBinding.Address=%2B1415xxxxxxx' \
	'83O6e2vORAoJHUNzJjDWN1jz+BA='
v 9b "$U" 'MessagingBinding.Address=%2B1415xxxxxxx&MessagingBinding.Address=%2B1325xxxxxxx' \
	'83O6e2vORAoJHUNzJjDWN1jz+BA='
v 10 "$U" 'Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234&Digits=1234' 'IK+Dwps556ElfBT0I3Rgjkr1wJU='
v 10b "$U" 'Digits=1234&SidAccount=AC123&Digits=1234&Sid=CA123&Digits=5678' 'IK+Dwps556ElfBT0I3Rgjkr1wJU='
# 11-13 sign a bodySHA256 URL with no parameters (the body hash itself is not ours here).
v 11 "$U&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620" '' \
	'a9nBmqA0ju/hNViExpshrM61xv4='
v 12 'https://mycompany.com:443/myapp.php?foo=1&bar=2&bodySHA256=44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a' '' \
	'Ldidvp12m26NI7eqEvxnEpkd9Hc='
v 13 'https://mycompany.com/myapp.php?bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620' '' \
	'y77kIzt2vzLz71DgmJGsen2scGs='
check_eq "the signed string of vector 1 is URL + sorted name+value (openssl)" 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' \
	"$(osig 12345 "${U}CallSidCA1234567890ABCDECaller+14158675309Digits1234From+14158675309To+18005551212")"

# The SDKs' acceptance cases: the port variants.
check_eq "https URL with port 1234 accepts #1 (port stripped)" true \
	"$(valid 12345 'https://mycompany.com:1234/myapp.php?foo=1&bar=2' "$C" 'RSOYDt4T1cUTdK1PDd93/VVr8B8=')"
check_eq "https URL without port accepts #2 (:443 added)" true \
	"$(valid 12345 "$U" "$C" 'kvajT1Ptam85bY51eRf/AJRuM3w=')"
check_eq "http URL without port accepts #3 (:80 added)" true \
	"$(valid 12345 'http://mycompany.com/myapp.php?foo=1&bar=2' "$C" '0ZXoZLH/DfblKGATFgpif+LLRf4=')"
check_eq "https URL with :443 accepts #1 (:443 removed)" true \
	"$(valid 12345 'https://mycompany.com:443/myapp.php?foo=1&bar=2' "$C" 'RSOYDt4T1cUTdK1PDd93/VVr8B8=')"
check_eq "credential URL with :443 accepts #5 (port removed, user:pass kept)" true \
	"$(valid 12345 'https://user:pass@mycompany.com:443/myapp.php?foo=1&bar=2' "$C" 'CukzLTc1tT5dXEDIHm/tKBanW10=')"
check_eq "credential URL without port accepts #7 (:443 added after the host)" true \
	"$(valid 12345 'https://user:pass@mycompany.com/myapp.php?foo=1&bar=2' "$C" 'ZQFR1PTIZXF2MXB8ZnKCvnnA+rI=')"
check_eq "http URL does not accept the https signature #1" false \
	"$(valid 12345 'http://mycompany.com/myapp.php?foo=1&bar=2' "$C" 'RSOYDt4T1cUTdK1PDd93/VVr8B8=')"
check_eq "WRONG_SIGNATURE is rejected" false "$(valid 12345 "$U" "$C" WRONG_SIGNATURE)"

# --- 2. independent signatures from the openssl CLI --------------------------------
W='https://hooks.example.org/sms/incoming?acct=7'
o() { # o DESC BODY SORTED_PARAMS
	local want
	want=$(osig tok-9f2 "$W$3")
	check_eq "openssl: $1" "$want" "$(expected tok-9f2 "$W" "$2")"
	check_eq "openssl: $1 (accepted)" true "$(valid tok-9f2 "$W" "$2" "$want")"
}
o "common Twilio inbound fields (To before ToCountry)" \
	'ToCountry=US&Body=Hello&From=%2B15551234567&MessageSid=SM0123&NumMedia=0&To=%2B15557654321' \
	'BodyHelloFrom+15551234567MessageSidSM0123NumMedia0To+15557654321ToCountryUS'
o "repeated keys: values sorted and de-duplicated, names byte-ordered" \
	'b=2&a=x&b=1&a=x&B=3&c=&b=10' 'B3axb1b10b2c'
o "a name that prefixes another sorts first" 'SidAccount=AC1&Sid=CA1&S=0' 'S0SidCA1SidAccountAC1'
o "UTF-8 values (é, 😀, Cyrillic)" \
	'Body=h%C3%A9llo+%F0%9F%98%80&From=%2B4915112345678&%D0%98%D0%BC%D1%8F=%D0%AF' \
	'Bodyhéllo 😀From+4915112345678ИмяЯ'
o "'+' and %20 are both spaces, %2B is a plus" 'Body=a+b%20c%2Bd&To=%2B1' 'Bodya b c+dTo+1'
o "empty values and a name without '='" 'A=&B&C=x&&D=' 'ABCxD'
o "'=' inside a value, '&' and '%' encoded" 'Q=a%3Db%26c%25d=e' 'Qa=b&c%d=e'
o "no parameters at all" '' ''
check_eq "openssl: :443 added to the signed URL is accepted without it" true \
	"$(valid tok-9f2 'https://h.example/x?y=1' 'A=1' "$(osig tok-9f2 'https://h.example:443/x?y=1A1')")"
check_eq "openssl: no port in the signed URL is accepted with :443" true \
	"$(valid tok-9f2 'https://h.example:443/x?y=1' 'A=1' "$(osig tok-9f2 'https://h.example/x?y=1A1')")"
check_eq "openssl: :80 is added for http" true \
	"$(valid tok-9f2 'http://h.example/x' 'A=1' "$(osig tok-9f2 'http://h.example:80/xA1')")"
check_eq "openssl: a non-default port is not made up" false \
	"$(valid tok-9f2 'https://h.example/x' 'A=1' "$(osig tok-9f2 'https://h.example:8443/xA1')")"
check_eq "openssl: IPv6 host keeps its brackets when the port goes" true \
	"$(valid tok-9f2 'http://[::1]:80/x' '' "$(osig tok-9f2 'http://[::1]/x')")"
# node webhooks.spec: token s3cr3t, no parameters.
check_eq "openssl: ?test=param signature rejected for ?test=param2" false \
	"$(valid s3cr3t 'https://example.com/path?test=param2' '' "$(osig s3cr3t 'https://example.com/path?test=param')")"

# --- 3. rejections -------------------------------------------------------------------
good=RSOYDt4T1cUTdK1PDd93/VVr8B8=
check_eq "tampered body (Digits changed) rejected" false "$(valid 12345 "$U" "${C/Digits=1234/Digits=1235}" "$good")"
check_eq "extra parameter rejected" false "$(valid 12345 "$U" "$C&Extra=1" "$good")"
check_eq "tampered URL rejected" false "$(valid 12345 "${U/bar=2/bar=3}" "$C" "$good")"
check_eq "wrong token rejected" false "$(valid 12346 "$U" "$C" "$good")"
check_eq "truncated header rejected" false "$(valid 12345 "$U" "$C" "${good%?}")"
check_eq "header with extra bytes rejected" false "$(valid 12345 "$U" "$C" "${good}x")"
check_eq "empty header rejected" false "$(valid 12345 "$U" "$C" '')"
check_eq "absent header rejected" false "$(valid 12345 "$U" "$C")"
check_eq "lower-cased header rejected" false "$(valid 12345 "$U" "$C" "${good,,}")"

# --- 4. form parsing and malformed bodies -------------------------------------------
check_eq "pairs in body order, repeats kept, '+' decoded" \
	'{"pairs":[["a","1"],["b",""],["c","d e f"],["a","2"],["","v"]]}' \
	"$(printf 'a=1&&b&c=d+e%%20f&a=2&=v' | sig-check --form)"
check_eq "first '=' splits, later ones stay in the value" '{"pairs":[["k","=x="]]}' \
	"$(printf 'k==x=' | sig-check --form)"
check_eq "an empty body has no pairs" '{"pairs":[]}' "$(printf '' | sig-check --form)"
check_exit "a raw NUL byte is malformed (exit 1)" 1 sh -c "printf 'a=1&b=x\\0y' | sig-check --form"
check_grep "...and says NUL" 'NUL' "$T/.out"
check_exit "a raw NUL in a name too" 1 sh -c "printf 'a\\0=1' | sig-check --form"
for bad in '%zz' '%4' '%' 'a=%4' 'a=1&b=%g0' '%00' 'a=%00' '%C3%28' '%FF' '%C0%AF' '%ED%A0%80' '%F4%90%80%80' \
	'a=%E2%82'; do
	check_eq "malformed body '$bad' gives an error" error "$(sig 12345 "$U" "$bad" "$good" | jq -r 'keys[0]')"
done
check_eq "'%zz' names the escape" "'%' not followed by two hex digits" \
	"$(sig 12345 "$U" 'a=%zz' | jq -r '.["error"]' | sed 's/^value: //')"
check_eq "valid 4-byte UTF-8 is fine" '{"pairs":[["e","😀"]]}' "$(printf 'e=%%F0%%9F%%98%%80' | sig-check --form)"
check_exit "a line that is not an object is a data error (65)" 65 sh -c 'echo "[1]" | sig-check'

done_testing
