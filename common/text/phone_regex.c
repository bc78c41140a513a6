/* phone_regex — the ECMAScript-subset regex engine for libphonenumber's patterns; see
 * phone_regex.h. */
#include "phone_regex.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "util.h"

typedef uint16_t u16;

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
	struct phone_re *re;
};

#define RE_MAX_PROG 40000
#define RE_MAX_REPEAT 100

/* Decodes UTF-8 into UTF-16 code units (what JavaScript strings are made of); each byte of
 * a malformed sequence becomes U+FFFD. Stores at most max units; returns how many units the
 * input has, counting stops once it passes max. */
int phone_re_utf16(const char *in, size_t len, u16 *out, int max)
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
	struct phone_re *re = ps->re;
	re->ranges = grow(re->ranges, &re->capranges, re->nranges + 1, sizeof *re->ranges);
	re->ranges[re->nranges].lo = lo;
	re->ranges[re->nranges].hi = hi;
	re->nranges++;
}

static int re_hex(struct re_parser *ps, int digits)
{
	int v = 0;
	for (int k = 0; k < digits; k++) {
		int h = hex_value(re_peek(ps));
		if (h < 0) {
			ps->err = 1;
			return 0;
		}
		v = v * 16 + h;
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
	struct phone_re *re = ps->re;
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
			struct phone_re *re = ps->re;
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

static int re_emit(struct phone_re *re, int op, int c, int x, int y)
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

static int re_gen(struct phone_re *re, const struct re_node *nodes, int k, int depth)
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

void phone_re_free(struct phone_re *re)
{
	free(re->prog);
	free(re->ranges);
	free(re->classes);
	memset(re, 0, sizeof *re);
}

/* Compiles pre + pattern + post (ECMAScript syntax, UTF-8). Returns 0, or -1 when the
 * pattern uses something this engine does not support (then nothing matches). */
int phone_re_compile(struct phone_re *re, const char *pre, const char *pattern, const char *post,
                      int icase)
{
	memset(re, 0, sizeof *re);
	re->icase = icase;
	re->ngroups = 1;
	size_t len = strlen(pre) + strlen(pattern) + strlen(post);
	char *src = xmalloc(len + 1);
	snprintf(src, len + 1, "%s%s%s", pre, pattern, post);
	u16 *units = xmalloc((len + 1) * sizeof *units);
	int n = phone_re_utf16(src, len, units, (int)len + 1);
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
		phone_re_free(re);
		re->icase = icase;
	}
	return rc;
}

static int re_in_class(const struct phone_re *re, const struct re_class *cl, u16 c)
{
	for (int i = 0; i < cl->n; i++) {
		const struct re_range *r = &re->ranges[cl->first + i];
		if (c >= r->lo && c <= r->hi)
			return 1;
	}
	return 0;
}

static int re_class_match(const struct phone_re *re, int k, u16 c)
{
	const struct re_class *cl = &re->classes[k];
	int in = re_in_class(re, cl, c);
	if (!in && re->icase) {
		u16 up = js_canon(c);
		in = re_in_class(re, cl, up) || re_in_class(re, cl, js_lower(up));
	}
	return in != cl->neg;
}

int phone_re_line_terminator(uint16_t c)
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
int phone_re_exec(const struct phone_re *re, const u16 *s, int len, int anchored, int *groups)
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
					ok = pos < len && !phone_re_line_terminator(s[pos]);
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
	struct phone_re re;
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
 * call; free it with phone_re_done) when the cache is full. *rc: phone_re_compile's result. */
const struct phone_re *phone_re_get(const char *pre, const char *pattern, const char *post,
                               int icase, struct phone_re *tmp, int *rc)
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
				mine->rc = phone_re_compile(&mine->re, pre, pattern, post, icase);
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
				phone_re_free(&mine->re);
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
	*rc = phone_re_compile(tmp, pre, pattern, post, icase);
	return tmp;
}

void phone_re_done(const struct phone_re *re, struct phone_re *tmp)
{
	if (re == tmp)
		phone_re_free(tmp);
}

/* Runs a pattern once. groups (room for ngroups_max groups, may be NULL) gets the
 * offsets of the first ngroups_max groups; *ngroups the pattern's number of groups. */
int phone_re_run(const char *pre, const char *pattern, const char *post, int icase,
                  const u16 *s, int len, int anchored, int *groups, int ngroups_max, int *ngroups)
{
	struct phone_re tmp;
	int rc;
	const struct phone_re *re = phone_re_get(pre, pattern, post, icase, &tmp, &rc);
	if (rc < 0) {
		phone_re_done(re, &tmp);
		return 0;
	}
	int g_local[32];
	int *g = 2 * re->ngroups <= 32 ? g_local : xmalloc(2 * (size_t)re->ngroups * sizeof *g);
	int m = phone_re_exec(re, s, len, anchored, g);
	for (int i = 0; groups && i < 2 * re->ngroups && i < 2 * ngroups_max; i++)
		groups[i] = g[i];
	if (ngroups)
		*ngroups = re->ngroups;
	if (g != g_local)
		free(g);
	phone_re_done(re, &tmp);
	return m;
}
