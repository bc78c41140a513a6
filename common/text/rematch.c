/* rematch — bounded POSIX extended regexes for autoresponder triggers: a
 * parser that refuses what cannot be bounded, Thompson's construction, and a
 * simulation of every state at once. See rematch.h. */
#include "rematch.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define INF (-1) /* a repetition without an upper bound */

/* ---- Bytes (the C locale: ASCII classes, other bytes are themselves) ----------- */

struct bits {
	uint32_t w[8];
};

static void bit_set(struct bits *s, unsigned c) { s->w[c >> 5] |= 1u << (c & 31); }

static int bit_has(const struct bits *s, unsigned c) { return (s->w[c >> 5] >> (c & 31)) & 1u; }

static int is_upper(unsigned c) { return c >= 'A' && c <= 'Z'; }
static int is_lower(unsigned c) { return c >= 'a' && c <= 'z'; }
static int is_digit(unsigned c) { return c >= '0' && c <= '9'; }
static int is_alpha(unsigned c) { return is_upper(c) || is_lower(c); }
static int is_alnum(unsigned c) { return is_alpha(c) || is_digit(c); }
static int is_space(unsigned c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
static int is_blank(unsigned c) { return c == ' ' || c == '\t'; }
static int is_cntrl(unsigned c) { return c < 32 || c == 127; }
static int is_graph(unsigned c) { return c > 32 && c < 127; }
static int is_print(unsigned c) { return c >= 32 && c < 127; }
static int is_punct(unsigned c) { return is_graph(c) && !is_alnum(c); }
static int is_xdigit(unsigned c) { return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }
static int is_word(unsigned c) { return is_alnum(c) || c == '_'; }

/* Case is ignored as glibc ignores it: pattern and text in upper case. */
static unsigned fold(unsigned c) { return is_lower(c) ? c - 32 : c; }

static const struct {
	const char *name;
	int (*in)(unsigned c);
} classes[] = {
	{"alnum", is_alnum}, {"alpha", is_alpha}, {"blank", is_blank}, {"cntrl", is_cntrl},
	{"digit", is_digit}, {"graph", is_graph}, {"lower", is_lower}, {"print", is_print},
	{"punct", is_punct}, {"space", is_space}, {"upper", is_upper}, {"xdigit", is_xdigit},
};

static void add_class(struct bits *s, int (*in)(unsigned c), int negate)
{
	for (unsigned c = 1; c < 256; c++)
		if (!in(c) != !negate)
			bit_set(s, c);
}

/* ---- The syntax tree ------------------------------------------------------------ */

enum ntype { N_EMPTY, N_SET, N_ASSERT, N_CAT, N_ALT, N_REP };

/* Zero-width assertions: ^ and \`, $ and \', \b, \B, \<, \>. */
enum assert_kind { A_BEGIN, A_END, A_WORDB, A_NWORDB, A_WSTART, A_WEND };

struct node {
	enum ntype t;
	int        a, b;     /* N_CAT, N_ALT: the parts; N_REP: a, what repeats;
	                      * N_SET: a, the set; N_ASSERT: a, the kind */
	int        min, max; /* N_REP */
	int        rep;      /* a repetition is in this subtree */
};

struct parser {
	const unsigned char *p, *start, *end;
	int                  icase, depth;
	struct node         *nodes;
	size_t               nn, ncap;
	struct bits         *sets;
	size_t               ns, scap;
	int                  status;
	char                *err;
	size_t               errlen;
};

static int fail(struct parser *ps, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parser *ps, int status, const char *fmt, ...)
{
	if (!ps->status) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(ps->err, ps->errlen, fmt, ap);
		va_end(ap);
		ps->status = status;
	}
	return -1;
}

static int node(struct parser *ps, enum ntype t, int a, int b)
{
	if (ps->nn == ps->ncap) /* cannot happen: ncap bounds what a pattern makes */
		return fail(ps, REMATCH_UNSAFE, "it is too complex");
	struct node *n = &ps->nodes[ps->nn];
	n->t = t;
	n->a = a;
	n->b = b;
	n->rep = (t == N_CAT || t == N_ALT) && (ps->nodes[a].rep || ps->nodes[b].rep);
	return (int)ps->nn++;
}

static int new_set(struct parser *ps)
{
	if (ps->ns == ps->scap) /* cannot happen: one set per atom at most */
		return fail(ps, REMATCH_UNSAFE, "it is too complex");
	memset(&ps->sets[ps->ns], 0, sizeof *ps->sets);
	return (int)ps->ns++;
}

static int set_node(struct parser *ps, int set) { return set < 0 ? -1 : node(ps, N_SET, set, 0); }

static int char_node(struct parser *ps, unsigned c)
{
	int s = new_set(ps);
	if (s < 0)
		return -1;
	bit_set(&ps->sets[s], ps->icase ? fold(c) : c);
	return set_node(ps, s);
}

static int assert_node(struct parser *ps, enum assert_kind k) { return node(ps, N_ASSERT, k, 0); }

static int parse_alt(struct parser *ps);

/* ---- Bracket expressions, as glibc reads them ------------------------------------ */

/* One element of a bracket expression: a byte, or a class. */
struct elem {
	enum { E_CHAR, E_CLASS, E_EQUIV } kind;
	unsigned c;                      /* E_CHAR, E_EQUIV */
	int (*in)(unsigned c);           /* E_CLASS */
};

/* "[:alpha:]", "[.-.]" or "[=a=]" at ps->p (after its '[' and the delimiter):
 * the name up to the delimiter and ']'. */
static int bracket_symbol(struct parser *ps, unsigned delim, struct elem *e)
{
	char name[32];
	size_t i = 0;
	for (;;) {
		if (ps->p >= ps->end || i >= sizeof name - 1 || ps->p + 1 >= ps->end)
			return fail(ps, REMATCH_SYNTAX, "`[%c` is not closed by `%c]`", delim, delim);
		unsigned ch = *ps->p++;
		if (ch == delim && *ps->p == ']') {
			ps->p++;
			break;
		}
		name[i++] = (char)ch;
	}
	name[i] = '\0';
	if (delim == ':') {
		if (ps->icase && (strcmp(name, "upper") == 0 || strcmp(name, "lower") == 0))
			strcpy(name, "alpha"); /* as glibc does: either case is any letter */
		for (size_t k = 0; k < sizeof classes / sizeof *classes; k++)
			if (strcmp(name, classes[k].name) == 0) {
				e->kind = E_CLASS;
				e->in = classes[k].in;
				return 0;
			}
		return fail(ps, REMATCH_SYNTAX, "`[:%s:]` is not a character class: write [:alpha:], "
		            "[:digit:], [:alnum:], [:space:], [:upper:], [:lower:], [:punct:] ...",
		            name);
	}
	if (i != 1)
		return fail(ps, REMATCH_SYNTAX, "`[%c%s%c]`: only a single character can stand there",
		            delim, name, delim);
	e->kind = delim == '=' ? E_EQUIV : E_CHAR;
	e->c = ps->icase ? fold((unsigned char)name[0]) : (unsigned char)name[0];
	return 0;
}

/* An element at ps->p. first: the first of the expression, where '-' is itself. */
static int bracket_elem(struct parser *ps, int first, struct elem *e)
{
	const unsigned char *p = ps->p;
	if (p[0] == '[' && p + 1 < ps->end && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
		ps->p += 2;
		return bracket_symbol(ps, p[1], e);
	}
	if (p[0] == '-' && !first && !(p + 1 < ps->end && p[1] == ']'))
		return fail(ps, REMATCH_SYNTAX, "`-` inside [...] must come first, last, or between "
		            "the ends of a range");
	ps->p++;
	e->kind = E_CHAR;
	e->c = ps->icase ? fold(p[0]) : p[0];
	return 0;
}

static void elem_add(struct bits *s, const struct elem *e)
{
	if (e->kind == E_CLASS)
		add_class(s, e->in, 0);
	else
		bit_set(s, e->c);
}

/* After the '[' at ps->p - 1, up to and including its ']'. */
static int parse_bracket(struct parser *ps)
{
	static const char unclosed[] = "`[` is not closed by `]`";
	int negate = 0, first = 1;
	if (ps->p < ps->end && *ps->p == '^') {
		negate = 1;
		ps->p++;
	}
	int set = new_set(ps);
	if (set < 0)
		return -1;
	struct bits *s = &ps->sets[set];
	for (;;) {
		if (ps->p >= ps->end)
			return fail(ps, REMATCH_SYNTAX, unclosed);
		if (!first && *ps->p == ']') {
			ps->p++;
			break;
		}
		struct elem a, b;
		if (bracket_elem(ps, first, &a) != 0)
			return -1;
		first = 0;
		if (ps->p >= ps->end)
			return fail(ps, REMATCH_SYNTAX, unclosed);
		if (a.kind == E_CLASS || *ps->p != '-' || ps->p + 1 >= ps->end || ps->p[1] == ']') {
			/* Not a range: a '-' before the ']' is itself, read next. */
			elem_add(s, &a);
			continue;
		}
		const unsigned char *from = ps->p - 1;
		ps->p++;
		if (bracket_elem(ps, 1, &b) != 0)
			return -1;
		if (a.kind != E_CHAR || b.kind != E_CHAR || a.c > b.c)
			return fail(ps, REMATCH_SYNTAX, "`%.*s` is not a range: its start must be a "
			            "character before its end, as in a-z", (int)(ps->p - from), from);
		for (unsigned c = a.c; c <= b.c; c++)
			bit_set(s, c);
	}
	if (negate) {
		for (int k = 0; k < 8; k++)
			s->w[k] = ~s->w[k];
		s->w[0] &= ~1u; /* NUL ends the text: nothing reads it */
	}
	return set_node(ps, set);
}

/* ---- Atoms, pieces, branches ------------------------------------------------------ */

static int is_quantifier(unsigned c) { return c == '*' || c == '+' || c == '?' || c == '{'; }

/* A backslash and what follows it. */
static int parse_escape(struct parser *ps, int *anchor)
{
	if (ps->p + 1 >= ps->end) {
		ps->p++;
		return fail(ps, REMATCH_SYNTAX, "a trailing backslash escapes nothing: write \\\\ for "
		            "a backslash");
	}
	unsigned c = ps->p[1];
	ps->p += 2;
	if (c >= '1' && c <= '9')
		return fail(ps, REMATCH_UNSAFE, "`\\%c` is a back-reference: those need backtracking, "
		            "which can take exponential time, and are not allowed", c);
	static const struct { char c; enum assert_kind k; } anchors[] = {
		{'b', A_WORDB}, {'B', A_NWORDB}, {'<', A_WSTART}, {'>', A_WEND},
		{'`', A_BEGIN}, {'\'', A_END},
	};
	for (size_t i = 0; i < sizeof anchors / sizeof *anchors; i++)
		if ((unsigned char)anchors[i].c == c) {
			*anchor = 1;
			return assert_node(ps, anchors[i].k);
		}
	if (c == 'w' || c == 'W' || c == 's' || c == 'S') {
		int set = new_set(ps);
		if (set < 0)
			return -1;
		add_class(&ps->sets[set], c == 'w' || c == 'W' ? is_word : is_space, c == 'W' || c == 'S');
		return set_node(ps, set);
	}
	return char_node(ps, c); /* any other escaped byte is itself */
}

static int parse_atom(struct parser *ps, int *anchor)
{
	unsigned c = *ps->p;
	*anchor = 0;
	switch (c) {
	case '(': {
		ps->p++;
		ps->depth++;
		int inner = parse_alt(ps);
		ps->depth--;
		if (inner < 0)
			return -1;
		if (ps->p >= ps->end || *ps->p != ')')
			return fail(ps, REMATCH_SYNTAX, "`(` is not closed by `)`");
		ps->p++;
		return inner;
	}
	case '[':
		ps->p++;
		return parse_bracket(ps);
	case '.': {
		int set = new_set(ps);
		if (set < 0)
			return -1;
		for (unsigned b = 1; b < 256; b++)
			bit_set(&ps->sets[set], b);
		ps->p++;
		return set_node(ps, set);
	}
	case '^':
	case '$':
		ps->p++;
		*anchor = 1;
		return assert_node(ps, c == '^' ? A_BEGIN : A_END);
	case '\\':
		return parse_escape(ps, anchor);
	default:
		ps->p++;
		return char_node(ps, c);
	}
}

/* *, +, ?, {n}, {n,}, {,m}, {n,m} at ps->p. */
static int parse_quantifier(struct parser *ps, int *min, int *max)
{
	const unsigned char *q = ps->p;
	unsigned c = *ps->p++;
	if (c != '{') {
		*min = c == '+';
		*max = c == '?' ? 1 : INF;
		return 0;
	}
	long lo = -1, hi = -1;
	while (ps->p < ps->end && is_digit(*ps->p)) {
		lo = (lo < 0 ? 0 : lo) * 10 + (*ps->p++ - '0');
		if (lo > 100000)
			lo = 100000;
	}
	if (ps->p < ps->end && *ps->p == ',') {
		ps->p++;
		if (lo < 0)
			lo = 0;
		while (ps->p < ps->end && is_digit(*ps->p)) {
			hi = (hi < 0 ? 0 : hi) * 10 + (*ps->p++ - '0');
			if (hi > 100000)
				hi = 100000;
		}
	} else {
		hi = lo;
	}
	if (ps->p >= ps->end)
		return fail(ps, REMATCH_SYNTAX, "`{` is not closed by `}` (write \\{ for a brace)");
	if (lo < 0 || *ps->p != '}')
		return fail(ps, REMATCH_SYNTAX, "`%.*s` is not a count: write {n}, {n,}, {,m} or {n,m}",
		            (int)(ps->p - q + 1), q);
	ps->p++;
	if (hi != INF && lo > hi)
		return fail(ps, REMATCH_SYNTAX, "`%.*s`: the first count is larger than the second",
		            (int)(ps->p - q), q);
	if (lo > REMATCH_MAX_COUNT || hi > REMATCH_MAX_COUNT)
		return fail(ps, REMATCH_UNSAFE, "`%.*s`: counts above %d are not allowed",
		            (int)(ps->p - q), q, REMATCH_MAX_COUNT);
	*min = (int)lo;
	*max = (int)hi;
	return 0;
}

static int parse_piece(struct parser *ps)
{
	const unsigned char *at = ps->p;
	if (is_quantifier(*at))
		return fail(ps, REMATCH_SYNTAX, "`%c` has nothing before it to repeat (write \\%c for "
		            "the character itself)", *at, *at);
	int anchor;
	int atom = parse_atom(ps, &anchor);
	if (atom < 0 || ps->p >= ps->end || !is_quantifier(*ps->p))
		return atom;
	if (anchor)
		return fail(ps, REMATCH_SYNTAX, "`%.*s%c`: an anchor cannot be repeated",
		            (int)(ps->p - at), at, *ps->p);
	int min = 0, max = 0;
	if (parse_quantifier(ps, &min, &max) != 0)
		return -1;
	if (ps->nodes[atom].rep)
		return fail(ps, REMATCH_UNSAFE, "`%.*s` repeats a group that holds a repetition: "
		            "nested quantifiers, as in (a+)+, are not allowed; repeat the group or "
		            "what is in it", (int)(ps->p - at), at);
	if (ps->p < ps->end && is_quantifier(*ps->p))
		return fail(ps, REMATCH_UNSAFE, "`%.*s%c`: a quantifier right after another, as in "
		            "a** or a{2}{3}, is not allowed", (int)(ps->p - at), at, *ps->p);
	int r = node(ps, N_REP, atom, 0);
	if (r >= 0) {
		ps->nodes[r].min = min;
		ps->nodes[r].max = max;
		ps->nodes[r].rep = 1;
	}
	return r;
}

/* Pieces up to '|', the end, or (inside a group) ')'. */
static int parse_branch(struct parser *ps)
{
	int cat = -1;
	while (ps->p < ps->end && *ps->p != '|' && !(ps->depth > 0 && *ps->p == ')')) {
		int piece = parse_piece(ps);
		if (piece < 0)
			return -1;
		cat = cat < 0 ? piece : node(ps, N_CAT, cat, piece);
		if (cat < 0)
			return -1;
	}
	return cat < 0 ? node(ps, N_EMPTY, 0, 0) : cat;
}

static int parse_alt(struct parser *ps)
{
	int left = parse_branch(ps);
	while (left >= 0 && ps->p < ps->end && *ps->p == '|') {
		ps->p++;
		int right = parse_branch(ps);
		left = right < 0 ? -1 : node(ps, N_ALT, left, right);
	}
	return left;
}

/* ---- The program -------------------------------------------------------------------- */

enum op { I_SET, I_SPLIT, I_JMP, I_ASSERT, I_MATCH };

struct inst {
	enum op op;
	int     x, y; /* I_SET: the set; I_SPLIT: both ways; I_JMP: where; I_ASSERT: the kind */
};

struct rematch {
	struct inst *prog;
	size_t       n;
	struct bits *sets;
	int          icase;
};

/* The states node i compiles to: no repetition holds another, and counts are
 * at most REMATCH_MAX_COUNT, so this stays far below overflow. */
static size_t size_of(const struct parser *ps, int i)
{
	const struct node *n = &ps->nodes[i];
	switch (n->t) {
	case N_EMPTY: return 0;
	case N_SET:
	case N_ASSERT: return 1;
	case N_CAT: return size_of(ps, n->a) + size_of(ps, n->b);
	case N_ALT: return size_of(ps, n->a) + size_of(ps, n->b) + 2;
	case N_REP: {
		size_t s = size_of(ps, n->a), total = (size_t)n->min * s;
		if (n->max == INF)
			return total + (n->min ? 1 : s + 2);
		return total + (size_t)(n->max - n->min) * (s + 1);
	}
	}
	return 0;
}

static void emit(const struct parser *ps, int i, struct inst *prog, size_t *pc)
{
	const struct node *n = &ps->nodes[i];
	size_t l0, l1;
	switch (n->t) {
	case N_EMPTY: return;
	case N_SET: prog[(*pc)++] = (struct inst){I_SET, n->a, 0}; return;
	case N_ASSERT: prog[(*pc)++] = (struct inst){I_ASSERT, n->a, 0}; return;
	case N_CAT:
		emit(ps, n->a, prog, pc);
		emit(ps, n->b, prog, pc);
		return;
	case N_ALT:
		/* split L1, L2; L1: a; jmp L3; L2: b; L3: */
		l0 = (*pc)++;
		emit(ps, n->a, prog, pc);
		l1 = (*pc)++;
		prog[l0] = (struct inst){I_SPLIT, (int)l0 + 1, (int)*pc};
		emit(ps, n->b, prog, pc);
		prog[l1] = (struct inst){I_JMP, (int)*pc, 0};
		return;
	case N_REP:
		l0 = *pc;
		for (int k = 0; k < n->min; k++) {
			l0 = *pc;
			emit(ps, n->a, prog, pc);
		}
		if (n->max == INF && n->min > 0) {
			/* L: a; split L, next */
			prog[*pc] = (struct inst){I_SPLIT, (int)l0, (int)*pc + 1};
			(*pc)++;
		} else if (n->max == INF) {
			/* L: split L+1, next; a; jmp L */
			l0 = (*pc)++;
			emit(ps, n->a, prog, pc);
			prog[(*pc)++] = (struct inst){I_JMP, (int)l0, 0};
			prog[l0] = (struct inst){I_SPLIT, (int)l0 + 1, (int)*pc};
		} else if (n->max > n->min) {
			/* Each optional copy may be skipped to the end: split next, END; a. */
			size_t first = *pc;
			for (int k = n->min; k < n->max; k++) {
				(*pc)++;
				emit(ps, n->a, prog, pc);
			}
			for (size_t at = first; at < *pc;) {
				size_t hole = at;
				at += 1 + size_of(ps, n->a);
				prog[hole] = (struct inst){I_SPLIT, (int)hole + 1, (int)*pc};
			}
		}
		return;
	}
}

int rematch_compile(const char *pattern, size_t len, int icase, struct rematch **re, char *err,
                    size_t errlen)
{
	char dummy[8];
	if (!err) {
		err = dummy;
		errlen = sizeof dummy;
	}
	*re = NULL;
	if (len > REMATCH_MAX_LEN) {
		snprintf(err, errlen, "it is %zu bytes long; at most %d are allowed", len,
		         REMATCH_MAX_LEN);
		return REMATCH_UNSAFE;
	}
	struct parser ps = {
		.p = (const unsigned char *)pattern,
		.start = (const unsigned char *)pattern,
		.end = (const unsigned char *)pattern + len,
		.icase = icase,
		.ncap = 4 * len + 8,
		.scap = len + 1,
		.err = err,
		.errlen = errlen,
	};
	ps.nodes = xcalloc(ps.ncap, sizeof *ps.nodes);
	ps.sets = xcalloc(ps.scap, sizeof *ps.sets);
	int root = parse_alt(&ps);
	if (root >= 0 && ps.p != ps.end) /* cannot happen: only a group stops at ')' */
		root = fail(&ps, REMATCH_SYNTAX, "`)` closes no group");
	size_t n = root < 0 ? 0 : size_of(&ps, root) + 1;
	if (root >= 0 && n > REMATCH_MAX_STATES)
		root = fail(&ps, REMATCH_UNSAFE, "it is too complex: it compiles to %zu states, at "
		            "most %d are allowed (use fewer or smaller counts)", n, REMATCH_MAX_STATES);
	if (root < 0) {
		free(ps.nodes);
		free(ps.sets);
		return ps.status ? ps.status : REMATCH_SYNTAX;
	}
	struct rematch *r = xcalloc(1, sizeof *r);
	r->prog = xcalloc(n, sizeof *r->prog);
	r->n = n;
	r->icase = icase;
	size_t pc = 0;
	emit(&ps, root, r->prog, &pc);
	r->prog[pc++] = (struct inst){I_MATCH, 0, 0};
	r->sets = ps.sets;
	free(ps.nodes);
	*re = r;
	return REMATCH_OK;
}

size_t rematch_states(const struct rematch *re) { return re->n; }

void rematch_free(struct rematch *re)
{
	if (!re)
		return;
	free(re->prog);
	free(re->sets);
	free(re);
}

/* ---- Matching: every state at once ------------------------------------------------ */

/* A set of states with constant-time insertion, test and clearing. */
struct list {
	int   *dense, *sparse;
	size_t n;
};

static int on_list(const struct list *l, int pc)
{
	size_t i = (size_t)l->sparse[pc];
	return i < l->n && l->dense[i] == pc;
}

/* Whether an assertion holds between the bytes prev and next (-1: none). */
static int holds(int kind, int prev, int next)
{
	int wp = prev >= 0 && is_word((unsigned)prev), wn = next >= 0 && is_word((unsigned)next);
	switch (kind) {
	case A_BEGIN: return prev < 0;
	case A_END: return next < 0;
	case A_WORDB: return wp != wn;
	case A_NWORDB: return wp == wn;
	case A_WSTART: return !wp && wn;
	case A_WEND: return wp && !wn;
	}
	return 0;
}

/* Adds state pc and those it reaches without reading, between prev and next.
 * 1 when the match state is among them. Each state enters once and pushes at
 * most two: the stack holds 2n + 1. */
static int add(const struct rematch *re, struct list *l, int *stack, int pc, int prev, int next)
{
	size_t top = 0;
	int found = 0;
	stack[top++] = pc;
	while (top) {
		pc = stack[--top];
		if (on_list(l, pc))
			continue;
		l->sparse[pc] = (int)l->n;
		l->dense[l->n++] = pc;
		const struct inst *in = &re->prog[pc];
		switch (in->op) {
		case I_JMP: stack[top++] = in->x; break;
		case I_SPLIT:
			stack[top++] = in->y;
			stack[top++] = in->x;
			break;
		case I_ASSERT:
			if (holds(in->x, prev, next))
				stack[top++] = pc + 1;
			break;
		case I_MATCH: found = 1; break;
		case I_SET: break;
		}
	}
	return found;
}

int rematch_search(const struct rematch *re, const char *text)
{
	size_t n = re->n;
	int *mem = xcalloc(6 * n + 1, sizeof *mem);
	struct list a = {mem, mem + n, 0}, b = {mem + 2 * n, mem + 3 * n, 0};
	struct list *cur = &a, *nxt = &b;
	int *stack = mem + 4 * n;
	const unsigned char *s = (const unsigned char *)text;
	int prev = -1, found = 0;
	for (size_t i = 0; !found; i++) {
		int next = s[i] ? s[i] : -1;
		/* The search is unanchored: a match may also start here. */
		found = add(re, cur, stack, 0, prev, next);
		if (found || next < 0)
			break;
		unsigned c = re->icase ? fold((unsigned)next) : (unsigned)next;
		int after = s[i + 1] ? s[i + 1] : -1;
		nxt->n = 0;
		for (size_t k = 0; k < cur->n && !found; k++) {
			const struct inst *in = &re->prog[cur->dense[k]];
			if (in->op == I_SET && bit_has(&re->sets[in->x], c))
				found = add(re, nxt, stack, cur->dense[k] + 1, next, after);
		}
		struct list *t = cur;
		cur = nxt;
		nxt = t;
		prev = next;
	}
	free(mem);
	return found;
}
