#!/bin/sh
# tools/include-graph.sh [SRCDIR] — the include graph of common/, one line per
# module: "layer/module -> module module ...", where a module is a .c and its .h
# and the graph has an edge where either includes another module's header.
# Exits 1, naming them, when the graph has a circle or a module includes one of
# a layer above its own: the layers, lowest first, are the folders the
# Makefile's LAYERS lists (doc/ARCHITECTURE.md). Run by tests/t0900-lint.t.
set -eu
src=${1:-.}
cd "$src"
layers=$(sed -n 's/^LAYERS *= *//p' Makefile)
[ -n "$layers" ] || { echo "include-graph: no LAYERS in $src/Makefile" >&2; exit 2; }

for layer in $layers; do
	for f in common/"$layer"/*.[ch]; do
		[ -e "$f" ] || continue
		# One line per include of one of our headers: "layer module included.h".
		m=$(basename "$f"); m=${m%.[ch]}
		echo "= $layer $m ${f##*.}"
		sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)\.h".*/\1/p' "$f" |
			sed "s|^|$layer $m |"
	done
done | awk -v layers="$layers" '
	BEGIN { n = split(layers, L, " "); for (i = 1; i <= n; i++) rank[L[i]] = i }
	$1 == "=" { layer[$3] = $2; mods[$3] = 1; if ($4 == "c") isc[$3] = 1; next }
	{ uses[$2] = uses[$2] " " $3 }
	# A header without a .c of its own (dashboard_int.h, store_internal.h) is
	# the private part of the modules that include it: its includes count as
	# theirs, and it is no node of the graph.
	function expand(m, seen,    k, p, i, t, out) {
		k = split(uses[m], p, " "); out = ""
		for (i = 1; i <= k; i++) {
			t = p[i]
			if (!(t in mods) || (t in seen)) continue
			seen[t] = 1
			out = out " " t
			if (!(t in hasc)) out = out expand(t, seen)
		}
		return out
	}
	function strong(v,    k, p, i, w, s) {
		index_[v] = low[v] = ++counter; stk[++sp] = v; on[v] = 1
		k = split(adj[v], p, " ")
		for (i = 1; i <= k; i++) {
			w = p[i]
			if (!(w in index_)) { strong(w); if (low[w] < low[v]) low[v] = low[w] }
			else if (on[w] && index_[w] < low[v]) low[v] = index_[w]
		}
		if (low[v] != index_[v]) return
		s = ""; k = 0
		do { w = stk[sp--]; on[w] = 0; s = w (s == "" ? "" : " ") s; k++ } while (w != v)
		if (k > 1) bad[++nbad] = "circle: " s
	}
	END {
		for (m in mods) if (m in isc) hasc[m] = 1
		for (m in mods) {
			if (!(m in hasc)) continue
			delete seen; seen[m] = 1
			k = split(expand(m, seen), p, " "); out = ""
			for (i = 1; i <= k; i++) {
				t = p[i]
				if (!(t in hasc) || t == m) continue
				adj[m] = adj[m] " " t; out = out " " t
				if (rank[layer[t]] > rank[layer[m]])
					bad[++nbad] = "layer: " layer[m] "/" m " includes " layer[t] "/" t ".h, a layer above"
			}
			print layer[m] "/" m " ->" out | "sort"
		}
		close("sort")
		for (m in hasc) if (!(m in index_)) strong(m)
		for (i = 1; i <= nbad; i++) print bad[i] > "/dev/stderr"
		exit nbad > 0
	}'
