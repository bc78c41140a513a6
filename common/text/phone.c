/* phone — phone numbers: E.164 normalisation, possible-length validation and the region of
 * a number. A port of libphonenumber's PhoneNumberUtil.parse() and isPossibleNumber()
 * (JavaScript edition) over the metadata tables generated into phone_data.c. */
#define PHONE_DATA_INTERNAL
#include "phone.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "utf8.h"
#include "util.h"

/*
 * libphonenumber is defined by its regular expressions, and its metadata is a set of
 * ECMAScript patterns. Agreeing with it means running those patterns the way JavaScript
 * does, so this file carries a small regex engine with ECMAScript semantics (backtracking,
 * leftmost alternative first, greedy and lazy quantifiers, the non-unicode "i" flag) over
 * UTF-16 code units, the unit JavaScript strings are made of.
 */

typedef uint16_t u16;

/* JavaScript strings in parse() are at most 250 units; a tel: URI can double that. */
#define USTR_MAX 600

struct ustr {
	int n;
	u16 s[USTR_MAX];
};

/* ---------------------------------------------------------------- regex engine */

enum { RE_CHAR, RE_ANY, RE_CLASS, RE_SPLIT, RE_JMP, RE_SAVE, RE_BOL, RE_EOL, RE_MATCH };

struct re_insn {
	uint8_t op;
	u16 c;
	int x, y;
};

struct re_range {
	u16 lo, hi;
};

struct re_class {
	int first, n, neg;
};

struct re {
	struct re_insn *prog;
	int nprog, capprog;
	struct re_range *ranges;
	int nranges, capranges;
	struct re_class *classes;
	int nclasses, capclasses;
	int ngroups; /* capture groups, group 0 (the whole match) included */
	int icase;
};

enum { N_EMPTY, N_CHAR, N_ANY, N_CLASS, N_BOL, N_EOL, N_CAT, N_ALT, N_REP, N_CAP };

struct re_node {
	uint8_t type, greedy;
	u16 c;
	int a, b, min, max;
};

struct re_parser {
	const u16 *p;
	int n, i, err;
	struct re_node *nodes;
	int nnodes, capnodes;
	struct re *re;
};

#define RE_MAX_PROG 40000
#define RE_MAX_REPEAT 100

/* Decodes UTF-8 into UTF-16 code units (what JavaScript strings are made of); each byte of
 * a malformed sequence becomes U+FFFD. Stores at most max units; returns how many units the
 * input has, counting stops once it passes max. */
static int utf8_to_utf16(const char *in, size_t len, u16 *out, int max)
{
	const unsigned char *s = (const unsigned char *)in;
	int n = 0;
	size_t i = 0;
	while (i < len && n <= max) {
		uint32_t c = utf8_decode_lossy(s, len, &i);
		if (c >= 0x10000) {
			c -= 0x10000;
			if (n < max)
				out[n] = (u16)(0xd800 + (c >> 10));
			n++;
			if (n < max)
				out[n] = (u16)(0xdc00 + (c & 0x3ff));
			n++;
		} else {
			if (n < max)
				out[n] = (u16)c;
			n++;
		}
	}
	return n;
}

/* JavaScript's Canonicalize() for the non-unicode "i" flag, for the letters that occur in
 * libphonenumber's case-insensitive patterns (Latin, Latin-1, Cyrillic, fullwidth). */
static u16 js_canon(u16 c)
{
	if (c < 0x80)
		return (c >= 'a' && c <= 'z') ? (u16)(c - 32) : c;
	if (c >= 0xe0 && c <= 0xfe && c != 0xf7)
		return (u16)(c - 32);
	if (c == 0xff)
		return 0x178;
	if (c >= 0x430 && c <= 0x44f)
		return (u16)(c - 32);
	if (c >= 0x450 && c <= 0x45f)
		return (u16)(c - 80);
	if (c >= 0x1c80 && c <= 0x1c88) {
		static const u16 old_cyrillic[] = {0x412, 0x414, 0x41e, 0x421, 0x422,
		                                   0x422, 0x42a, 0x462, 0xa64a};
		return old_cyrillic[c - 0x1c80];
	}
	if (c >= 0xff41 && c <= 0xff5a)
		return (u16)(c - 32);
	return c;
}

/* The lower-case partner of a canonical (upper-case) letter, or c itself. */
static u16 js_lower(u16 c)
{
	if (c >= 'A' && c <= 'Z')
		return (u16)(c + 32);
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return (u16)(c + 32);
	if (c >= 0x410 && c <= 0x42f)
		return (u16)(c + 32);
	if (c >= 0x400 && c <= 0x40f)
		return (u16)(c + 80);
	if (c >= 0xff21 && c <= 0xff3a)
		return (u16)(c + 32);
	return c;
}

static void *grow(void *p, int *cap, int need, size_t size)
{
	if (need <= *cap)
		return p;
	int n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	*cap = n;
	return xrealloc(p, (size_t)n * size);
}

static int re_node(struct re_parser *ps, int type)
{
	ps->nodes = grow(ps->nodes, &ps->capnodes, ps->nnodes + 1, sizeof *ps->nodes);
	struct re_node *n = &ps->nodes[ps->nnodes];
	memset(n, 0, sizeof *n);
	n->type = (uint8_t)type;
	n->greedy = 1;
	return ps->nnodes++;
}

static int re_peek(const struct re_parser *ps)
{
	return ps->i < ps->n ? ps->p[ps->i] : -1;
}

static void re_add_range(struct re_parser *ps, u16 lo, u16 hi)
{
	struct re *re = ps->re;
	re->ranges = grow(re->ranges, &re->capranges, re->nranges + 1, sizeof *re->ranges);
	re->ranges[re->nranges].lo = lo;
	re->ranges[re->nranges].hi = hi;
	re->nranges++;
}

static int re_hex(struct re_parser *ps, int digits)
{
	int v = 0;
	for (int k = 0; k < digits; k++) {
		int c = re_peek(ps);
		if (c >= '0' && c <= '9')
			v = v * 16 + c - '0';
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = v * 16 + c - 'A' + 10;
		else {
			ps->err = 1;
			return 0;
		}
		ps->i++;
	}
	return v;
}

/* After a backslash: a single character escape. \d is handled by the callers. */
static u16 re_escape_char(struct re_parser *ps)
{
	int c = re_peek(ps);
	if (c < 0) {
		ps->err = 1;
		return 0;
	}
	ps->i++;
	switch (c) {
	case 't': return '\t';
	case 'n': return '\n';
	case 'r': return '\r';
	case 'f': return '\f';
	case 'v': return '\v';
	case 'u': return (u16)re_hex(ps, 4);
	case 'x': return (u16)re_hex(ps, 2);
	default:
		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			ps->err = 1; /* backreferences and classes other than \d are not needed */
		return (u16)c;
	}
}

static int re_parse_class(struct re_parser *ps)
{
	struct re *re = ps->re;
	re->classes = grow(re->classes, &re->capclasses, re->nclasses + 1, sizeof *re->classes);
	int k = re->nclasses++;
	int first = re->nranges;
	int neg = 0;
	if (re_peek(ps) == '^') {
		neg = 1;
		ps->i++;
	}
	while (!ps->err) {
		int c = re_peek(ps);
		if (c < 0) {
			ps->err = 1;
			break;
		}
		ps->i++;
		if (c == ']')
			break;
		u16 lo;
		if (c == '\\') {
			if (re_peek(ps) == 'd') {
				ps->i++;
				re_add_range(ps, '0', '9');
				continue;
			}
			lo = re_escape_char(ps);
		} else {
			lo = (u16)c;
		}
		u16 hi = lo;
		if (re_peek(ps) == '-' && ps->i + 1 < ps->n && ps->p[ps->i + 1] != ']') {
			ps->i++;
			int d = re_peek(ps);
			ps->i++;
			if (d == '\\')
				hi = re_escape_char(ps);
			else
				hi = (u16)d;
			if (hi < lo)
				ps->err = 1;
		}
		re_add_range(ps, lo, hi);
	}
	/* re->classes may have moved while ranges were added: index it afresh. */
	re->classes[k].first = first;
	re->classes[k].n = re->nranges - first;
	re->classes[k].neg = neg;
	int node = re_node(ps, N_CLASS);
	ps->nodes[node].a = k;
	return node;
}

static int re_parse_alt(struct re_parser *ps);

static int re_parse_atom(struct re_parser *ps)
{
	int c = re_peek(ps);
	ps->i++;
	int node;
	switch (c) {
	case '(':
		if (re_peek(ps) == '?') {
			if (ps->i + 1 < ps->n && ps->p[ps->i + 1] == ':') {
				ps->i += 2;
				node = re_parse_alt(ps);
			} else {
				ps->err = 1; /* lookahead is not needed */
				return re_node(ps, N_EMPTY);
			}
		} else {
			int group = ps->re->ngroups++;
			int inner = re_parse_alt(ps);
			node = re_node(ps, N_CAP);
			ps->nodes[node].a = inner;
			ps->nodes[node].min = group;
		}
		if (re_peek(ps) != ')')
			ps->err = 1;
		ps->i++;
		return node;
	case '[':
		return re_parse_class(ps);
	case '.':
		return re_node(ps, N_ANY);
	case '^':
		return re_node(ps, N_BOL);
	case '$':
		return re_node(ps, N_EOL);
	case '\\':
		if (re_peek(ps) == 'd' || re_peek(ps) == 'D') {
			int neg = re_peek(ps) == 'D';
			ps->i++;
			struct re *re = ps->re;
			re->classes = grow(re->classes, &re->capclasses, re->nclasses + 1,
			                   sizeof *re->classes);
			int k = re->nclasses++;
			re->classes[k].first = re->nranges;
			re->classes[k].n = 1;
			re->classes[k].neg = neg;
			re_add_range(ps, '0', '9');
			node = re_node(ps, N_CLASS);
			ps->nodes[node].a = k;
			return node;
		}
		node = re_node(ps, N_CHAR);
		ps->nodes[node].c = re_escape_char(ps);
		return node;
	case ')': case '*': case '+': case '?': case '|':
		ps->err = 1;
		return re_node(ps, N_EMPTY);
	default:
		node = re_node(ps, N_CHAR);
		ps->nodes[node].c = (u16)c;
		return node;
	}
}

static int re_number(struct re_parser *ps, int *v)
{
	int start = ps->i;
	*v = 0;
	while (re_peek(ps) >= '0' && re_peek(ps) <= '9') {
		if (*v < 100000)
			*v = *v * 10 + (re_peek(ps) - '0');
		ps->i++;
	}
	return ps->i > start;
}

static int re_parse_repeat(struct re_parser *ps)
{
	int atom = re_parse_atom(ps);
	for (;;) {
		int c = re_peek(ps);
		int min, max;
		if (c == '*')
			min = 0, max = -1;
		else if (c == '+')
			min = 1, max = -1;
		else if (c == '?')
			min = 0, max = 1;
		else if (c == '{') {
			int save = ps->i;
			ps->i++;
			if (!re_number(ps, &min)) {
				ps->i = save;
				break;
			}
			max = min;
			if (re_peek(ps) == ',') {
				ps->i++;
				if (!re_number(ps, &max))
					max = -1;
			}
			if (re_peek(ps) != '}') {
				ps->i = save;
				break;
			}
			if ((max >= 0 && max < min) || min > RE_MAX_REPEAT || max > RE_MAX_REPEAT)
				ps->err = 1;
		} else
			break;
		ps->i++;
		int node = re_node(ps, N_REP);
		ps->nodes[node].a = atom;
		ps->nodes[node].min = min;
		ps->nodes[node].max = max;
		if (re_peek(ps) == '?') {
			ps->nodes[node].greedy = 0;
			ps->i++;
		}
		atom = node;
	}
	return atom;
}

static int re_parse_cat(struct re_parser *ps)
{
	int node = -1;
	while (!ps->err && ps->i < ps->n && re_peek(ps) != '|' && re_peek(ps) != ')') {
		int t = re_parse_repeat(ps);
		if (node < 0) {
			node = t;
		} else {
			int cat = re_node(ps, N_CAT);
			ps->nodes[cat].a = node;
			ps->nodes[cat].b = t;
			node = cat;
		}
	}
	return node < 0 ? re_node(ps, N_EMPTY) : node;
}

static int re_parse_alt(struct re_parser *ps)
{
	int node = re_parse_cat(ps);
	while (!ps->err && re_peek(ps) == '|') {
		ps->i++;
		int right = re_parse_cat(ps);
		int alt = re_node(ps, N_ALT);
		ps->nodes[alt].a = node;
		ps->nodes[alt].b = right;
		node = alt;
	}
	return node;
}

static int re_emit(struct re *re, int op, int c, int x, int y)
{
	if (re->nprog >= RE_MAX_PROG)
		return -1;
	re->prog = grow(re->prog, &re->capprog, re->nprog + 1, sizeof *re->prog);
	struct re_insn *in = &re->prog[re->nprog];
	in->op = (uint8_t)op;
	in->c = (u16)c;
	in->x = x;
	in->y = y;
	return re->nprog++;
}

static int re_gen(struct re *re, const struct re_node *nodes, int k, int depth)
{
	const struct re_node *n = &nodes[k];
	if (depth > 10000)
		return -1;
	switch (n->type) {
	case N_EMPTY:
		return 0;
	case N_CHAR:
		return re_emit(re, RE_CHAR, n->c, 0, 0) < 0 ? -1 : 0;
	case N_ANY:
		return re_emit(re, RE_ANY, 0, 0, 0) < 0 ? -1 : 0;
	case N_BOL:
		return re_emit(re, RE_BOL, 0, 0, 0) < 0 ? -1 : 0;
	case N_EOL:
		return re_emit(re, RE_EOL, 0, 0, 0) < 0 ? -1 : 0;
	case N_CLASS:
		return re_emit(re, RE_CLASS, 0, n->a, 0) < 0 ? -1 : 0;
	case N_CAT:
		if (re_gen(re, nodes, n->a, depth + 1) < 0)
			return -1;
		return re_gen(re, nodes, n->b, depth + 1);
	case N_CAP:
		if (re_emit(re, RE_SAVE, 0, 2 * n->min, 0) < 0 ||
		    re_gen(re, nodes, n->a, depth + 1) < 0 ||
		    re_emit(re, RE_SAVE, 0, 2 * n->min + 1, 0) < 0)
			return -1;
		return 0;
	case N_ALT: {
		int s = re_emit(re, RE_SPLIT, 0, 0, 0);
		if (s < 0)
			return -1;
		re->prog[s].x = re->nprog;
		if (re_gen(re, nodes, n->a, depth + 1) < 0)
			return -1;
		int j = re_emit(re, RE_JMP, 0, 0, 0);
		if (j < 0)
			return -1;
		re->prog[s].y = re->nprog;
		if (re_gen(re, nodes, n->b, depth + 1) < 0)
			return -1;
		re->prog[j].x = re->nprog;
		return 0;
	}
	case N_REP: {
		for (int i = 0; i < n->min; i++)
			if (re_gen(re, nodes, n->a, depth + 1) < 0)
				return -1;
		if (n->max < 0) {
			int loop = re_emit(re, RE_SPLIT, 0, 0, 0);
			if (loop < 0)
				return -1;
			int body = re->nprog;
			if (re_gen(re, nodes, n->a, depth + 1) < 0 ||
			    re_emit(re, RE_JMP, 0, loop, 0) < 0)
				return -1;
			int end = re->nprog;
			re->prog[loop].x = n->greedy ? body : end;
			re->prog[loop].y = n->greedy ? end : body;
			return 0;
		}
		int splits[RE_MAX_REPEAT];
		int nsplit = 0;
		for (int i = n->min; i < n->max; i++) {
			int s = re_emit(re, RE_SPLIT, 0, 0, 0);
			if (s < 0)
				return -1;
			splits[nsplit++] = s;
			re->prog[s].x = re->nprog; /* the body; fixed below for lazy */
			if (re_gen(re, nodes, n->a, depth + 1) < 0)
				return -1;
		}
		int end = re->nprog;
		for (int i = 0; i < nsplit; i++) {
			int body = re->prog[splits[i]].x;
			re->prog[splits[i]].x = n->greedy ? body : end;
			re->prog[splits[i]].y = n->greedy ? end : body;
		}
		return 0;
	}
	}
	return -1;
}

static void re_free(struct re *re)
{
	free(re->prog);
	free(re->ranges);
	free(re->classes);
	memset(re, 0, sizeof *re);
}

/* Compiles pre + pattern + post (ECMAScript syntax, UTF-8). Returns 0, or -1 when the
 * pattern uses something this engine does not support (then nothing matches). */
static int re_compile(struct re *re, const char *pre, const char *pattern, const char *post,
                      int icase)
{
	memset(re, 0, sizeof *re);
	re->icase = icase;
	re->ngroups = 1;
	size_t len = strlen(pre) + strlen(pattern) + strlen(post);
	char *src = xmalloc(len + 1);
	snprintf(src, len + 1, "%s%s%s", pre, pattern, post);
	u16 *units = xmalloc((len + 1) * sizeof *units);
	int n = utf8_to_utf16(src, len, units, (int)len + 1);
	free(src);

	struct re_parser ps = {.p = units, .n = n, .re = re};
	int root = re_parse_alt(&ps);
	if (ps.i < ps.n)
		ps.err = 1;
	int rc = -1;
	if (!ps.err && re_emit(re, RE_SAVE, 0, 0, 0) >= 0 && re_gen(re, ps.nodes, root, 0) >= 0 &&
	    re_emit(re, RE_SAVE, 0, 1, 0) >= 0 && re_emit(re, RE_MATCH, 0, 0, 0) >= 0)
		rc = 0;
	free(ps.nodes);
	free(units);
	if (rc < 0) {
		re_free(re);
		re->icase = icase;
	}
	return rc;
}

static int re_in_class(const struct re *re, const struct re_class *cl, u16 c)
{
	for (int i = 0; i < cl->n; i++) {
		const struct re_range *r = &re->ranges[cl->first + i];
		if (c >= r->lo && c <= r->hi)
			return 1;
	}
	return 0;
}

static int re_class_match(const struct re *re, int k, u16 c)
{
	const struct re_class *cl = &re->classes[k];
	int in = re_in_class(re, cl, c);
	if (!in && re->icase) {
		u16 up = js_canon(c);
		in = re_in_class(re, cl, up) || re_in_class(re, cl, js_lower(up));
	}
	return in != cl->neg;
}

static int is_line_terminator(u16 c)
{
	return c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029;
}

struct re_job {
	int pc, pos, slot, old;
};

/* The backtracking stack: on the caller's stack while it is small. */
struct re_stack {
	struct re_job *jobs;
	int cap;
	struct re_job local[64];
};

static void re_stack_grow(struct re_stack *st, int sp)
{
	int n = st->cap * 2;
	struct re_job *p = xmalloc((size_t)n * sizeof *p);
	memcpy(p, st->jobs, (size_t)sp * sizeof *p);
	if (st->jobs != st->local)
		free(st->jobs);
	st->jobs = p;
	st->cap = n;
}

static inline void re_push(struct re_stack *st, int *sp, struct re_job j)
{
	if (*sp == st->cap)
		re_stack_grow(st, *sp);
	st->jobs[(*sp)++] = j;
}

/* Runs re on s[0..len). anchored: only a match starting at 0, like a pattern beginning
 * with ^; otherwise the leftmost match, like String.prototype.search. groups gets
 * 2 * re->ngroups offsets (-1 for a group that did not take part). Returns 1 on a match. */
static int re_exec(const struct re *re, const u16 *s, int len, int anchored, int *groups)
{
	if (!re->prog)
		return 0;
	size_t states = (size_t)re->nprog * (size_t)(len + 1);
	unsigned char seen_local[4096];
	unsigned char *seen = seen_local;
	if (states / 8 + 1 <= sizeof seen_local)
		memset(seen, 0, states / 8 + 1);
	else
		seen = xcalloc(states / 8 + 1, 1);
	struct re_stack st;
	st.jobs = st.local;
	st.cap = (int)(sizeof st.local / sizeof *st.local);
	int sp = 0, matched = 0;
	int ng = 2 * re->ngroups;

	for (int start = 0; start <= len && !matched; start++) {
		if (anchored && start > 0)
			break;
		for (int i = 0; i < ng; i++)
			groups[i] = -1;
		re_push(&st, &sp, (struct re_job){0, start, -1, 0});
		while (sp > 0 && !matched) {
			struct re_job j = st.jobs[--sp];
			if (j.slot >= 0) {
				groups[j.slot] = j.old;
				continue;
			}
			int pc = j.pc, pos = j.pos;
			for (;;) {
				size_t bit = (size_t)pc * (size_t)(len + 1) + (size_t)pos;
				if (seen[bit >> 3] & (1u << (bit & 7)))
					break;
				seen[bit >> 3] |= (unsigned char)(1u << (bit & 7));
				const struct re_insn *in = &re->prog[pc];
				int ok = 0;
				switch (in->op) {
				case RE_CHAR:
					ok = pos < len && (s[pos] == in->c ||
					                   (re->icase && js_canon(s[pos]) == js_canon(in->c)));
					if (ok)
						pos++;
					pc++;
					break;
				case RE_ANY:
					ok = pos < len && !is_line_terminator(s[pos]);
					pos++;
					pc++;
					break;
				case RE_CLASS:
					ok = pos < len && re_class_match(re, in->x, s[pos]);
					pos++;
					pc++;
					break;
				case RE_BOL:
					ok = pos == 0;
					pc++;
					break;
				case RE_EOL:
					ok = pos == len;
					pc++;
					break;
				case RE_JMP:
					ok = 1;
					pc = in->x;
					break;
				case RE_SPLIT:
					re_push(&st, &sp, (struct re_job){in->y, pos, -1, 0});
					ok = 1;
					pc = in->x;
					break;
				case RE_SAVE:
					re_push(&st, &sp, (struct re_job){0, 0, in->x, groups[in->x]});
					groups[in->x] = pos;
					ok = 1;
					pc++;
					break;
				case RE_MATCH:
					matched = 1;
					break;
				}
				if (!ok || matched)
					break;
			}
		}
		sp = 0;
	}
	if (st.jobs != st.local)
		free(st.jobs);
	if (seen != seen_local)
		free(seen);
	return matched;
}

/* ---------------------------------------------------------------- compiled patterns
 * Compiling a pattern costs far more than running it on one phone number, and parse()
 * runs the same few patterns for every number of a batch. So each compiled pattern is
 * kept for the life of the process, in a cache built lazily and keyed by the addresses
 * of the pattern's parts: every pattern this file runs is a string constant (the tables
 * of phone_data.c, the patterns above, literal prefixes and suffixes), so an address
 * names one pattern for good. The cache takes no lock: a slot is claimed with a
 * compare-and-swap and an entry never changes once it is published, so the functions
 * stay reentrant and safe to call from several threads. It is bounded (RE_CACHE_MAX
 * patterns, RE_CACHE_BYTES of compiled programs); past that, patterns are compiled for
 * each call as before. It changes no result, and a program never needs to reset it (the
 * memory stays reachable until exit). */

#define RE_CACHE_SLOTS 2048 /* a power of two */
#define RE_CACHE_MAX   (RE_CACHE_SLOTS / 2)
#define RE_CACHE_BYTES (4u << 20)

struct re_cached {
	const char *pre, *pattern, *post;
	int icase, rc;
	struct re re;
};

static _Atomic(struct re_cached *) re_cache[RE_CACHE_SLOTS];
static atomic_uint re_cache_count;
static atomic_size_t re_cache_bytes;

static size_t re_cache_hash(const char *pre, const char *pattern, const char *post, int icase)
{
	uint64_t h = (uint64_t)(uintptr_t)pattern * 0x9e3779b97f4a7c15u;
	h ^= (uint64_t)(uintptr_t)pre * 0xc2b2ae3d27d4eb4fu;
	h ^= (uint64_t)(uintptr_t)post * 0x165667b19e3779f9u;
	h ^= (uint64_t)icase;
	return (size_t)(h ^ (h >> 29) ^ (h >> 47));
}

/* The compiled pre + pattern + post: the cached program, or *tmp (compiled for this
 * call; free it with re_done) when the cache is full. *rc: re_compile's result. */
static const struct re *re_get(const char *pre, const char *pattern, const char *post,
                               int icase, struct re *tmp, int *rc)
{
	size_t h = re_cache_hash(pre, pattern, post, icase);
	struct re_cached *mine = NULL;
	for (size_t probe = 0; probe < RE_CACHE_SLOTS; probe++) {
		_Atomic(struct re_cached *) *slot = &re_cache[(h + probe) & (RE_CACHE_SLOTS - 1)];
		struct re_cached *e = atomic_load_explicit(slot, memory_order_acquire);
		if (!e) {
			if (!mine) {
				if (atomic_load_explicit(&re_cache_count, memory_order_relaxed) >=
				            RE_CACHE_MAX ||
				    atomic_load_explicit(&re_cache_bytes, memory_order_relaxed) >=
				            RE_CACHE_BYTES)
					break;
				mine = xmalloc(sizeof *mine);
				mine->pre = pre;
				mine->pattern = pattern;
				mine->post = post;
				mine->icase = icase;
				mine->rc = re_compile(&mine->re, pre, pattern, post, icase);
			}
			if (atomic_compare_exchange_strong_explicit(slot, &e, mine, memory_order_acq_rel,
			                                            memory_order_acquire)) {
				atomic_fetch_add_explicit(&re_cache_count, 1, memory_order_relaxed);
				atomic_fetch_add_explicit(
				        &re_cache_bytes,
				        (size_t)mine->re.capprog * sizeof *mine->re.prog +
				                (size_t)mine->re.capranges * sizeof *mine->re.ranges +
				                (size_t)mine->re.capclasses * sizeof *mine->re.classes +
				                sizeof *mine,
				        memory_order_relaxed);
				*rc = mine->rc;
				return &mine->re;
			}
			/* Another thread took the slot first: e is its entry. */
		}
		if (e->pattern == pattern && e->pre == pre && e->post == post && e->icase == icase) {
			if (mine) {
				re_free(&mine->re);
				free(mine);
			}
			*rc = e->rc;
			return &e->re;
		}
	}
	if (mine) {
		*tmp = mine->re;
		*rc = mine->rc;
		free(mine);
		return tmp;
	}
	*rc = re_compile(tmp, pre, pattern, post, icase);
	return tmp;
}

static void re_done(const struct re *re, struct re *tmp)
{
	if (re == tmp)
		re_free(tmp);
}

/* Runs a pattern once. groups (room for ngroups_max groups, may be NULL) gets the
 * offsets of the first ngroups_max groups; *ngroups the pattern's number of groups. */
static int re_run(const char *pre, const char *pattern, const char *post, int icase,
                  const u16 *s, int len, int anchored, int *groups, int ngroups_max, int *ngroups)
{
	struct re tmp;
	int rc;
	const struct re *re = re_get(pre, pattern, post, icase, &tmp, &rc);
	if (rc < 0) {
		re_done(re, &tmp);
		return 0;
	}
	int g_local[32];
	int *g = 2 * re->ngroups <= 32 ? g_local : xmalloc(2 * (size_t)re->ngroups * sizeof *g);
	int m = re_exec(re, s, len, anchored, g);
	for (int i = 0; groups && i < 2 * re->ngroups && i < 2 * ngroups_max; i++)
		groups[i] = g[i];
	if (ngroups)
		*ngroups = re->ngroups;
	if (g != g_local)
		free(g);
	re_done(re, &tmp);
	return m;
}

/* libphonenumber's matchesEntirely(): the whole string, case-insensitively. */
static int matches_entirely(const char *pattern, const u16 *s, int len)
{
	return re_run("^(?:", pattern, ")$", 1, s, len, 1, NULL, 0, NULL);
}

/* ---------------------------------------------------------------- libphonenumber's patterns */

#define DIGITS "0-9\uff10-\uff19\u0660-\u0669\u06f0-\u06f9"
#define PLUS_CHARS "+\uff0b"
#define PUNCT "-x\u2010-\u2015\u2212\u30fc\uff0d-\uff0f \u00a0\u00ad\u200b\u2060\u3000()" \
	"\uff08\uff09\uff3b\uff3d.\\[\\]/~\u2053\u223c\uff5e"
#define ALPHA "A-Za-z"
#define VALID_PHONE_NUMBER "[" PLUS_CHARS "]*(?:[" PUNCT "*]*[" DIGITS "]){3,}[" PUNCT "*" ALPHA \
	DIGITS "]*"
#define EXTN_DIGITS(n) "([" DIGITS "]{1," n "})"
#define EXTN ";ext=" EXTN_DIGITS("20") \
	"|[ \u00a0\\t,]*(?:e?xt(?:ensi(?:o\u0301?|\u00f3))?n?|\uff45?\uff58\uff54\uff4e?|" \
	"\u0434\u043e\u0431|anexo)[:\\.\uff0e]?[ \u00a0\\t,-]*" EXTN_DIGITS("20") "#?" \
	"|[ \u00a0\\t,]*(?:[x\uff58#\uff03~\uff5e]|int|\uff49\uff4e\uff54)[:\\.\uff0e]?" \
	"[ \u00a0\\t,-]*" EXTN_DIGITS("9") "#?" \
	"|[- ]+" EXTN_DIGITS("6") "#" \
	"|[ \u00a0\\t]*(?:,{2}|;)[:\\.\uff0e]?[ \u00a0\\t,-]*" EXTN_DIGITS("15") "#?" \
	"|[ \u00a0\\t]*(?:,)+[:\\.\uff0e]?[ \u00a0\\t,-]*" EXTN_DIGITS("9") "#?"

static const char valid_phone_number_pattern[] =
	"^[" DIGITS "]{2}$|^" VALID_PHONE_NUMBER "(?:" EXTN ")?$";
static const char extn_pattern[] = "(?:" EXTN ")$";

#define ALPHANUM ALPHA DIGITS
static const char rfc3966_global_number_digits[] =
	"^\\+([" DIGITS "]|[\\-\\.\\(\\)]?)*[" DIGITS "]([" DIGITS "]|[\\-\\.\\(\\)]?)*$";
static const char rfc3966_domainname[] =
	"^([" ALPHANUM "]+((\\-)*[" ALPHANUM "])*\\.)*[" ALPHA "]+((\\-)*[" ALPHANUM "])*\\.?$";

#define MIN_LENGTH_FOR_NSN 2
#define MAX_LENGTH_FOR_NSN 17
#define MAX_INPUT_STRING_LENGTH 250

/* ---------------------------------------------------------------- UTF-16 strings */

static int digit_value(u16 c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 0xff10 && c <= 0xff19)
		return c - 0xff10;
	if (c >= 0x660 && c <= 0x669)
		return c - 0x660;
	if (c >= 0x6f0 && c <= 0x6f9)
		return c - 0x6f0;
	return -1;
}

static int is_plus(u16 c)
{
	return c == '+' || c == 0xff0b;
}

static int is_ascii_alpha(u16 c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* The keypad digit of a letter as String.prototype.toUpperCase() and ALPHA_MAPPINGS give it
 * (U+0131 dotless i upper-cases to I, U+017F long s to S), or -1. */
static int keypad_digit(u16 c)
{
	static const char keys[] = "22233344455566677778889999";
	if (c >= 'a' && c <= 'z')
		c = (u16)(c - 32);
	else if (c == 0x131)
		c = 'I';
	else if (c == 0x17f)
		c = 'S';
	if (c >= 'A' && c <= 'Z')
		return keys[c - 'A'] - '0';
	return -1;
}

static void ustr_set(struct ustr *d, const u16 *s, int n)
{
	if (n > USTR_MAX)
		n = USTR_MAX;
	if (n < 0)
		n = 0;
	memmove(d->s, s, (size_t)n * sizeof *s);
	d->n = n;
}

static void ustr_append(struct ustr *d, const u16 *s, int n)
{
	if (n > USTR_MAX - d->n)
		n = USTR_MAX - d->n;
	if (n > 0) {
		memmove(d->s + d->n, s, (size_t)n * sizeof *s);
		d->n += n;
	}
}

static void ustr_append_ascii(struct ustr *d, const char *a)
{
	for (; *a && d->n < USTR_MAX; a++)
		d->s[d->n++] = (u16)(unsigned char)*a;
}

static int ustr_index(const u16 *s, int n, const char *needle, int from)
{
	int k = (int)strlen(needle);
	for (int i = from; i + k <= n; i++) {
		int j = 0;
		while (j < k && s[i + j] == (u16)(unsigned char)needle[j])
			j++;
		if (j == k)
			return i;
	}
	return -1;
}

static int ustr_startswith_ascii(const struct ustr *s, const char *a)
{
	int k = (int)strlen(a);
	if (s->n < k)
		return 0;
	for (int i = 0; i < k; i++)
		if (s->s[i] != (u16)(unsigned char)a[i])
			return 0;
	return 1;
}

/* ASCII digits only (the state of every number after normalisation) into a C string. */
static void ustr_to_ascii(const struct ustr *s, char *out, size_t outsz)
{
	size_t k = 0;
	for (int i = 0; i < s->n && k + 1 < outsz; i++)
		out[k++] = (char)s->s[i];
	out[k] = '\0';
}

/* ---------------------------------------------------------------- tables */

static const struct phone_meta *meta_by_id(const char *id)
{
	size_t lo = 0, hi = phone_nmetas;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(id, phone_metas[mid].id);
		if (c == 0)
			return &phone_metas[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static const struct phone_cc *cc_lookup(int cc)
{
	size_t lo = 0, hi = phone_nccs;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (phone_ccs[mid].cc == cc)
			return &phone_ccs[mid];
		if (phone_ccs[mid].cc > cc)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* getMetadataForRegion(): the region upper-cased (ASCII), numeric ids of non-geographic
 * entities included. *valid says whether isValidRegionCode_() holds (a region, not a code). */
static const struct phone_meta *region_meta(const char *region, int *valid)
{
	char id[4];
	size_t n = region ? strlen(region) : 0;
	*valid = 0;
	if (n == 0 || n > 3)
		return NULL;
	int numeric = 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)region[i];
		id[i] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
		if (c < '0' || c > '9')
			numeric = 0;
	}
	id[n] = '\0';
	const struct phone_meta *m = meta_by_id(id);
	*valid = m && !numeric;
	return m;
}

/* ValidationResult of testNumberLength_() with type UNKNOWN. */
enum { IS_POSSIBLE, IS_POSSIBLE_LOCAL_ONLY, TOO_SHORT, TOO_LONG, INVALID_LENGTH };

static int test_number_length(int len, const struct phone_meta *m)
{
	uint32_t lengths = m->lengths;
	if (lengths == 0)
		return INVALID_LENGTH;
	if (len < 32 && (m->local >> len & 1))
		return IS_POSSIBLE_LOCAL_ONLY;
	int min = 0, max = 31;
	while (!(lengths >> min & 1))
		min++;
	while (!(lengths >> max & 1))
		max--;
	if (len == min)
		return IS_POSSIBLE;
	if (len < min)
		return TOO_SHORT;
	if (len > max)
		return TOO_LONG;
	return (lengths >> len & 1) ? IS_POSSIBLE : INVALID_LENGTH;
}

/* ---------------------------------------------------------------- parse() */

enum parse_error {
	E_NONE,
	E_EMPTY,
	E_INPUT_TOO_LONG,
	E_BAD_CONTEXT,
	E_NOT_A_NUMBER,
	E_NO_DIGITS,
	E_NO_REGION,
	E_INVALID_COUNTRY_CODE,
	E_TOO_SHORT_AFTER_IDD,
	E_TOO_SHORT_NSN,
	E_TOO_LONG,
};

static const char *const parse_reasons[] = {
	[E_NONE] = NULL,
	[E_EMPTY] = "empty: no phone number given",
	[E_INPUT_TOO_LONG] = "longer than 250 characters: not a phone number",
	[E_BAD_CONTEXT] = "not a phone number: the tel: URI has a malformed phone-context",
	[E_NOT_A_NUMBER] = "not a phone number: too few digits, or characters that do not belong "
	                   "in one",
	[E_NO_DIGITS] = "not a phone number: it has no digits",
	[E_NO_REGION] = "no country code: write the number with + and its country code, or set a "
	                "default region (an ISO code such as US or GB)",
	[E_INVALID_COUNTRY_CODE] = "unknown country calling code after the + or the international "
	                           "prefix",
	[E_TOO_SHORT_AFTER_IDD] = "too short: too few digits after the international prefix",
	[E_TOO_SHORT_NSN] = "too short to be a phone number",
	[E_TOO_LONG] = "too long to be a phone number (more than 17 digits after the country code)",
};

/* extractPossibleNumber(): from the first digit or plus sign, without trailing characters
 * that cannot end a number, and cut before a second number ("/ x"). */
static void extract_possible_number(const struct ustr *in, struct ustr *out)
{
	int start = 0;
	while (start < in->n && !is_plus(in->s[start]) && digit_value(in->s[start]) < 0)
		start++;
	if (start == in->n) {
		out->n = 0;
		return;
	}
	int end = in->n;
	while (end > start) {
		u16 c = in->s[end - 1];
		if (digit_value(c) >= 0 || is_ascii_alpha(c) || c == '#')
			break;
		end--;
	}
	for (int i = start; i < end; i++) {
		if (in->s[i] != '\\' && in->s[i] != '/')
			continue;
		int j = i + 1;
		while (j < end && in->s[j] == ' ')
			j++;
		if (j < end && in->s[j] == 'x') {
			end = i;
			break;
		}
	}
	ustr_set(out, in->s + start, end - start);
}

/* buildNationalNumberForParsing_(): RFC 3966 phone-context handling, else the above. */
static enum parse_error build_national_number(const struct ustr *a, struct ustr *b)
{
	b->n = 0;
	int ctx = ustr_index(a->s, a->n, ";phone-context=", 0);
	if (ctx >= 0) {
		int cstart = ctx + 15, cend = a->n;
		if (cstart >= a->n)
			return E_BAD_CONTEXT;
		int semi = ustr_index(a->s, a->n, ";", cstart);
		if (semi >= 0)
			cend = semi;
		const u16 *c = a->s + cstart;
		int clen = cend - cstart;
		if (clen == 0)
			return E_BAD_CONTEXT;
		if (!re_run("", rfc3966_global_number_digits, "", 0, c, clen, 1, NULL, 0, NULL) &&
		    !re_run("", rfc3966_domainname, "", 0, c, clen, 1, NULL, 0, NULL))
			return E_BAD_CONTEXT;
		if (c[0] == '+')
			ustr_append(b, c, clen);
		int t = ustr_index(a->s, a->n, "tel:", 0);
		int from = t >= 0 ? t + 4 : 0, to = ctx;
		if (from > to) { /* String.prototype.substring swaps its arguments */
			int x = from;
			from = to;
			to = x;
		}
		ustr_append(b, a->s + from, to - from);
	} else {
		extract_possible_number(a, b);
	}
	int isub = ustr_index(b->s, b->n, ";isub=", 0);
	if (isub > 0)
		b->n = isub;
	return E_NONE;
}

static int is_viable_phone_number(const u16 *s, int n)
{
	if (n < MIN_LENGTH_FOR_NSN)
		return 0;
	return matches_entirely(valid_phone_number_pattern, s, n);
}

/* maybeStripExtension(): drops a trailing extension when what precedes it is viable;
 * 1 when it did. */
static int strip_extension(struct ustr *num)
{
	int g[2 * 8];
	int ng = 0;
	if (!re_run("", extn_pattern, "", 1, num->s, num->n, 0, g, 8, &ng))
		return 0;
	int start = g[0];
	if (!is_viable_phone_number(num->s, start))
		return 0;
	for (int i = 1; i < ng; i++)
		if (g[2 * i] >= 0 && g[2 * i + 1] > g[2 * i]) {
			num->n = start;
			return 1;
		}
	return 0;
}

/* normalize(): letters to keypad digits when there are three or more (VALID_ALPHA_PHONE),
 * all kinds of digits to ASCII, everything else dropped. */
static void normalize(struct ustr *s)
{
	int letters = 0, terminator = 0;
	for (int i = 0; i < s->n; i++) {
		letters += is_ascii_alpha(s->s[i]);
		terminator |= is_line_terminator(s->s[i]);
	}
	int alpha = letters >= 3 && !terminator;
	int k = 0;
	for (int i = 0; i < s->n; i++) {
		int d = digit_value(s->s[i]);
		if (d < 0 && alpha)
			d = keypad_digit(s->s[i]);
		if (d >= 0)
			s->s[k++] = (u16)('0' + d);
	}
	s->n = k;
}

static void strip_leading_plus(struct ustr *s)
{
	int i = 0;
	while (i < s->n && is_plus(s->s[i]))
		i++;
	ustr_set(s, s->s + i, s->n - i);
}

enum cc_source { FROM_DEFAULT_COUNTRY, FROM_NUMBER_WITH_PLUS_SIGN, FROM_NUMBER_WITH_IDD };

/* maybeStripInternationalPrefixAndNormalize() */
static enum cc_source strip_idd_and_normalize(struct ustr *a, const char *idd)
{
	if (a->n == 0)
		return FROM_DEFAULT_COUNTRY;
	if (is_plus(a->s[0])) {
		strip_leading_plus(a);
		normalize(a);
		return FROM_NUMBER_WITH_PLUS_SIGN;
	}
	normalize(a);
	/* parsePrefixAsIdd_(): a match at the start, not followed by a 0. */
	int g[2 * 8];
	if (!idd || !re_run("", idd, "", 0, a->s, a->n, 1, g, 8, NULL))
		return FROM_DEFAULT_COUNTRY;
	int len = g[1];
	if (len < a->n && a->s[len] == '0')
		return FROM_DEFAULT_COUNTRY;
	ustr_set(a, a->s + len, a->n - len);
	return FROM_NUMBER_WITH_IDD;
}

/* maybeStripNationalPrefixAndCarrierCode(): 1 when a prefix was stripped from a. */
static int strip_national_prefix(struct ustr *a, const struct phone_meta *m)
{
	if (a->n == 0 || !m->npp || !*m->npp)
		return 0;
	struct re tmp;
	int rc;
	const struct re *re = re_get("^(?:", m->npp, ")", 0, &tmp, &rc);
	if (rc < 0) {
		re_done(re, &tmp);
		return 0;
	}
	int g_local[32];
	int *g = 2 * re->ngroups <= 32 ? g_local : xmalloc(2 * (size_t)re->ngroups * sizeof *g);
	int matched = re_exec(re, a->s, a->n, 1, g);
	int last = re->ngroups - 1;
	int changed = 0;
	if (matched) {
		int viable = matches_entirely(m->general, a->s, a->n);
		int mlen = g[1];
		struct ustr dbuf, *d = &dbuf;
		if (!m->npt || !*m->npt || g[2 * last] < 0 || g[2 * last + 1] <= g[2 * last]) {
			ustr_set(d, a->s + mlen, a->n - mlen);
		} else {
			/* String.prototype.replace() with $n substitutions, first match only. */
			d->n = 0;
			for (const char *r = m->npt; *r; r++) {
				if (r[0] == '$' && r[1] >= '1' && r[1] <= '9' && r[1] - '0' < re->ngroups) {
					int k = r[1] - '0';
					if (g[2 * k] >= 0)
						ustr_append(d, a->s + g[2 * k], g[2 * k + 1] - g[2 * k]);
					r++;
				} else if (r[0] == '$' && r[1] == '$') {
					ustr_append_ascii(d, "$");
					r++;
				} else {
					u16 c = (u16)(unsigned char)*r;
					ustr_append(d, &c, 1);
				}
			}
			ustr_append(d, a->s + mlen, a->n - mlen);
		}
		if (!viable || matches_entirely(m->general, d->s, d->n)) {
			ustr_set(a, d->s, d->n);
			changed = 1;
		}
	}
	if (g != g_local)
		free(g);
	re_done(re, &tmp);
	return changed;
}

/* extractCountryCode(): the 1- to 3-digit calling code at the start of a normalised
 * number, moved out of it; 0 if none. */
static int extract_country_code(const struct ustr *a, struct ustr *national)
{
	if (a->n == 0 || a->s[0] == '0')
		return 0;
	int cc = 0;
	for (int i = 1; i <= 3 && i <= a->n; i++) {
		cc = cc * 10 + (a->s[i - 1] - '0');
		if (cc_lookup(cc)) {
			ustr_set(national, a->s + i, a->n - i);
			return cc;
		}
	}
	return 0;
}

/* maybeExtractCountryCode(): returns the calling code found in number (putting the rest in
 * national), or 0 when the default region's applies; *err on failure. */
static int maybe_extract_country_code(const struct ustr *number, const struct phone_meta *dm,
                                      struct ustr *national, enum parse_error *err)
{
	if (number->n == 0)
		return 0;
	struct ustr abuf, *a = &abuf;
	ustr_set(a, number->s, number->n);
	int cc = 0;
	enum cc_source src = strip_idd_and_normalize(a, dm ? dm->idd : NULL);
	if (src != FROM_DEFAULT_COUNTRY) {
		if (a->n <= MIN_LENGTH_FOR_NSN)
			*err = E_TOO_SHORT_AFTER_IDD;
		else if (!(cc = extract_country_code(a, national)))
			*err = E_INVALID_COUNTRY_CODE;
		return cc;
	}
	if (dm) {
		char ccs[8];
		snprintf(ccs, sizeof ccs, "%u", (unsigned)dm->cc);
		if (ustr_startswith_ascii(a, ccs)) {
			int k = (int)strlen(ccs);
			struct ustr gbuf, *g = &gbuf;
			ustr_set(g, a->s + k, a->n - k);
			strip_national_prefix(g, dm);
			if ((!matches_entirely(dm->general, a->s, a->n) &&
			     matches_entirely(dm->general, g->s, g->n)) ||
			    test_number_length(a->n, dm) == TOO_LONG) {
				ustr_set(national, g->s, g->n);
				cc = dm->cc;
			}
		}
	}
	return cc;
}

/* String(parseInt(d, 10)) as JavaScript gives it: libphonenumber keeps the national number
 * as a JS number, so beyond 2^53 it is rounded to the nearest double and printed as the
 * shortest decimal that reads back as that double. */
static void js_number_string(const char *d, char *out, size_t outsz)
{
	size_t n = strlen(d);
	while (n > 1 && *d == '0')
		d++, n--;
	if (n <= 15) {
		snprintf(out, outsz, "%s", d);
		return;
	}
	double v = strtod(d, NULL);
	char buf[64];
	for (int k = 1; k <= 17; k++) {
		snprintf(buf, sizeof buf, "%.*e", k - 1, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	char mant[32];
	size_t m = 0;
	const char *p = buf;
	for (; *p && *p != 'e' && *p != 'E'; p++)
		if (*p >= '0' && *p <= '9' && m + 1 < sizeof mant)
			mant[m++] = *p;
	int exp = *p ? atoi(p + 1) : 0;
	size_t k = 0;
	for (size_t i = 0; i < m && k + 1 < outsz; i++)
		out[k++] = mant[i];
	for (int i = (int)m; i <= exp && k + 1 < outsz; i++)
		out[k++] = '0';
	out[k] = '\0';
}

/* The national significant number as getNationalSignificantNumber() prints it: the
 * "Italian" leading zeros, then the number. */
static void national_significant_number(const char *s, char *out, size_t outsz)
{
	size_t len = strlen(s), zeros = 0;
	if (len > 1 && s[0] == '0') {
		size_t c = 1;
		while (c < len - 1 && s[c] == '0')
			c++;
		zeros = c;
	}
	char num[24];
	js_number_string(s, num, sizeof num);
	size_t k = 0;
	for (size_t i = 0; i < zeros && k + 1 < outsz; i++)
		out[k++] = '0';
	for (const char *q = num; *q && k + 1 < outsz; q++)
		out[k++] = *q;
	out[k] = '\0';
}

struct parsed {
	int cc;
	char nsn[20]; /* at most 17 digits, 18 when rounding as JavaScript does adds one */
	int extension; /* an extension was dropped */
};

/* parseHelper_() */
static enum parse_error parse_number(const char *input, const char *region, struct parsed *p)
{
	struct ustr rawbuf, numbuf, nationalbuf, ebuf;
	struct ustr *raw = &rawbuf, *num = &numbuf, *national = &nationalbuf, *e = &ebuf;
	enum parse_error err = E_NONE;
	int valid_region;
	const struct phone_meta *m = region_meta(region, &valid_region);

	raw->n = utf8_to_utf16(input, strlen(input), raw->s, MAX_INPUT_STRING_LENGTH);
	if (raw->n > MAX_INPUT_STRING_LENGTH) {
		err = E_INPUT_TOO_LONG;
		goto out;
	}
	if ((err = build_national_number(raw, num)) != E_NONE)
		goto out;
	if (!is_viable_phone_number(num->s, num->n)) {
		int digits = 0;
		for (int i = 0; i < raw->n; i++)
			digits += digit_value(raw->s[i]) >= 0;
		err = raw->n == 0 ? E_EMPTY : digits ? E_NOT_A_NUMBER : E_NO_DIGITS;
		goto out;
	}
	if (!valid_region && !is_plus(num->s[0])) {
		err = E_NO_REGION;
		goto out;
	}
	p->extension = strip_extension(num);

	national->n = 0;
	int cc = maybe_extract_country_code(num, m, national, &err);
	if (err == E_INVALID_COUNTRY_CODE && num->n > 0 && is_plus(num->s[0])) {
		/* "+00 44 ...": try again without the plus, as an IDD. */
		struct ustr hbuf, *h = &hbuf;
		ustr_set(h, num->s, num->n);
		strip_leading_plus(h);
		err = E_NONE;
		national->n = 0;
		cc = maybe_extract_country_code(h, m, national, &err);
		if (err == E_NONE && cc == 0)
			err = E_INVALID_COUNTRY_CODE;
	}
	if (err != E_NONE)
		goto out;
	if (cc != 0) {
		m = &phone_metas[cc_lookup(cc)->meta];
	} else {
		ustr_set(national, num->s, num->n);
		normalize(national);
		if (!m) { /* cannot happen: no plus needs a valid region */
			err = E_NO_REGION;
			goto out;
		}
		cc = m->cc;
	}
	if (national->n < MIN_LENGTH_FOR_NSN) {
		err = E_TOO_SHORT_NSN;
		goto out;
	}
	ustr_set(e, national->s, national->n);
	strip_national_prefix(e, m);
	int t = test_number_length(e->n, m);
	if (t != TOO_SHORT && t != IS_POSSIBLE_LOCAL_ONLY && t != INVALID_LENGTH)
		ustr_set(national, e->s, e->n);
	if (national->n < MIN_LENGTH_FOR_NSN) {
		err = E_TOO_SHORT_NSN;
		goto out;
	}
	if (national->n > MAX_LENGTH_FOR_NSN) {
		err = E_TOO_LONG;
		goto out;
	}
	char digits[MAX_LENGTH_FOR_NSN + 1];
	ustr_to_ascii(national, digits, sizeof digits);
	p->cc = cc;
	national_significant_number(digits, p->nsn, sizeof p->nsn);
out:
	return err;
}

/* ---------------------------------------------------------------- what a sender refuses */

/* A letter of the scripts a number's words come in: Latin (with its accents and the
 * combining ones), Greek, Cyrillic and fullwidth Latin, which covers every letter that
 * parse() reads as a keypad digit (A-Z, U+0131, U+017F) or as an extension (ext, anexo,
 * доб, ｘ). */
static int is_letter(uint32_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= 0xc0 && c <= 0x24f && c != 0xd7 && c != 0xf7) || (c >= 0x300 && c <= 0x52f) ||
	       (c >= 0xff21 && c <= 0xff3a) || (c >= 0xff41 && c <= 0xff5a);
}

/* The first word of letters in input, past a leading tel: (RFC 3966's scheme, the only
 * word a number may carry): its offset, and its length in *n (0 when there is none). */
static size_t first_word(const char *input, size_t *n)
{
	const unsigned char *s = (const unsigned char *)input;
	size_t len = strlen(input), i = strspn(input, " \t");
	if (strncasecmp(input + i, "tel:", 4) == 0)
		i += 4;
	*n = 0;
	while (i < len) {
		size_t at = i;
		if (!is_letter(utf8_decode_lossy(s, len, &i)))
			continue;
		size_t end = i;
		while (end < len) {
			size_t next = end;
			if (!is_letter(utf8_decode_lossy(s, len, &next)))
				break;
			end = next;
		}
		*n = end - at;
		return at;
	}
	return 0;
}

/* Fills out->extra: an extension, or letters (a word, a vanity number), which parse()
 * drops or reads as keypad digits, so that "212-555 home" would text +1 212-555-4663. */
static void note_extra(const char *input, int extension, struct phone_result *out)
{
	size_t n, at = first_word(input, &n);
	if (extension) {
		snprintf(out->extra, sizeof out->extra, "%s",
		         "has an extension, which a text message cannot reach: give the number alone");
		return;
	}
	if (n == 0)
		return;
	size_t room = 24; /* enough to recognise the word; cut between characters */
	if (n > room) {
		n = room;
		while (n > 0 && utf8_is_cont((unsigned char)input[at + n]))
			n--;
	}
	snprintf(out->extra, sizeof out->extra,
	         "contains letters: %.*s (write the number in digits; letters are not read as "
	         "keypad digits)",
	         (int)n, input + at);
}

/* ---------------------------------------------------------------- API */

enum phone_verdict phone_parse(const char *input, const char *default_region,
                               struct phone_result *out)
{
	struct parsed p = {0};
	memset(out, 0, sizeof *out);
	if (!input) {
		out->verdict = PHONE_NOT_A_NUMBER;
		out->reason = parse_reasons[E_EMPTY];
		return out->verdict;
	}
	enum parse_error err = parse_number(input, default_region, &p);
	if (err != E_NONE) {
		out->verdict = PHONE_NOT_A_NUMBER;
		out->reason = parse_reasons[err];
		return out->verdict;
	}
	char ccs[8];
	size_t nc = (size_t)snprintf(ccs, sizeof ccs, "+%d", p.cc), nn = strlen(p.nsn);
	if (nc + nn >= sizeof out->e164) /* cannot happen: 4 + 18 < 24 */
		nn = sizeof out->e164 - 1 - nc;
	memcpy(out->e164, ccs, nc);
	memcpy(out->e164 + nc, p.nsn, nn);
	out->e164[nc + nn] = '\0';
	phone_region_of(out->e164, out->region);
	note_extra(input, p.extension, out);

	/* isPossibleNumber(): the lengths of the calling code's main region. */
	const struct phone_cc *c = cc_lookup(p.cc);
	switch (test_number_length((int)strlen(p.nsn), &phone_metas[c->meta])) {
	case IS_POSSIBLE:
	case IS_POSSIBLE_LOCAL_ONLY:
		out->verdict = PHONE_OK;
		break;
	case TOO_SHORT:
		out->verdict = PHONE_IMPOSSIBLE;
		out->reason = c->too_short;
		break;
	case TOO_LONG:
		out->verdict = PHONE_IMPOSSIBLE;
		out->reason = c->too_long;
		break;
	default:
		out->verdict = PHONE_IMPOSSIBLE;
		out->reason = c->bad_length;
		break;
	}
	return out->verdict;
}

/* The calling code and national number of "+<digits>"; NULL if it is not one. */
static const struct phone_cc *split_e164(const char *e164, const char **nsn)
{
	if (!e164 || e164[0] != '+')
		return NULL;
	size_t n = strlen(e164 + 1);
	if (n == 0 || strspn(e164 + 1, "0123456789") != n)
		return NULL;
	int cc = 0;
	for (int i = 1; i <= 3 && e164[i]; i++) {
		cc = cc * 10 + (e164[i] - '0');
		const struct phone_cc *c = cc_lookup(cc);
		if (c) {
			*nsn = e164 + 1 + i;
			return c;
		}
	}
	return NULL;
}

/* The exchange rule (no 0 or 1 after the area code) is deliberately not applied:
 * sms-config(5)'s own example, (555) 123-4567, breaks it, and a number the carrier
 * cannot route is refused by the provider (21211) at no cost. */
int phone_sendable(const struct phone_result *r, const char **reason)
{
	const char *why = NULL, *nsn = NULL;
	const struct phone_cc *c = NULL;
	if (!r)
		why = "no number";
	else if (r->verdict == PHONE_NOT_A_NUMBER)
		why = r->reason ? r->reason : "not a phone number";
	else if (r->extra[0])
		why = r->extra;
	else if (r->verdict != PHONE_OK)
		why = r->reason ? r->reason : "not a possible phone number";
	else if (!(c = split_e164(r->e164, &nsn)))
		why = "not an E.164 number";
	else if (c->cc == 1 && strlen(nsn) != 10)
		why = "NANP (+1) numbers need 10 digits after the country code: a 3-digit area code and "
		      "a 7-digit number";
	else if (c->cc == 1 && (nsn[0] == '0' || nsn[0] == '1'))
		why = "not a valid NANP (+1) number: area codes cannot start with 0 or 1";
	else if (test_number_length((int)strlen(nsn), &phone_metas[c->meta]) == IS_POSSIBLE_LOCAL_ONLY)
		why = "a local number without its area code: it can only be dialled inside that area";
	if (reason)
		*reason = why;
	return why == NULL;
}

const char *phone_region_of(const char *e164, char buf[3])
{
	const char *nsn = NULL;
	const struct phone_cc *c = split_e164(e164, &nsn);
	buf[0] = '\0';
	if (!c || strcmp(c->regions, "001") == 0)
		return buf;
	memcpy(buf, c->regions, 2); /* the main region */
	buf[2] = '\0';
	if (c->cc == 1) {
		if (strlen(nsn) < 3)
			return buf;
		int npa = (nsn[0] - '0') * 100 + (nsn[1] - '0') * 10 + (nsn[2] - '0');
		size_t lo = 0, hi = phone_nnpas;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (phone_npas[mid].npa == npa) {
				memcpy(buf, phone_npas[mid].region, 3);
				break;
			}
			if (phone_npas[mid].npa > npa)
				hi = mid;
			else
				lo = mid + 1;
		}
		return buf;
	}
	/* Shared calling codes: the first region whose leading digits match. */
	u16 units[32];
	int n = 0;
	for (const char *p = nsn; *p && n < 32; p++)
		units[n++] = (u16)*p;
	for (size_t i = 0; i + 2 <= strlen(c->regions); i += 3) {
		char id[3] = {c->regions[i], c->regions[i + 1], '\0'};
		const struct phone_meta *m = meta_by_id(id);
		if (m && m->leading && re_run("", m->leading, "", 0, units, n, 1, NULL, 0, NULL)) {
			memcpy(buf, id, 3);
			break;
		}
	}
	return buf;
}
