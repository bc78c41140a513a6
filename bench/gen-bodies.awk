# bench/gen-bodies.awk — N NDJSON records with bodies of 20–400 characters, half
# GSM-7 text, a quarter UCS-2 (accents, CJK), a quarter with an emoji. Seeded:
# the same N gives the same file. Usage: awk -v n=1000000 -f bench/gen-bodies.awk
BEGIN {
	srand(42)
	split("the quick brown fox jumps over a lazy dog your order has shipped appointment reminder reply STOP to opt out at 9am on Tue", w, " ")
	nw = length(w)
	for (i = 1; i <= n; i++) {
		len = 20 + int(rand() * 381)
		s = ""
		while (length(s) < len)
			s = s w[1 + int(rand() * nw)] " "
		s = substr(s, 1, len)
		k = i % 4
		if (k == 2) s = "ça va? " substr(s, 8)
		else if (k == 3) s = substr(s, 1, len - 4) " 😀"
		printf "{\"to\":\"+1555%07d\",\"body\":\"%s\"}\n", i % 10000000, s
	}
}
