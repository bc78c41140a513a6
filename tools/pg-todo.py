#!/usr/bin/env python3
# tools/pg-todo.py — writes common/store/store_pg_todo.c: a stub that fails
# with "not available on PostgreSQL yet" for each function of the store seam
# (store_backend.h) no store_pg_*.c file defines. Run from common/store/.
import re,glob
hdr=open('store_backend.h').read().replace('\\\n',' ')
body=hdr[hdr.index('#define STORE_FNS(X)'):hdr.index('#define STORE_OPS_MEMBER')]
items=[];i=0
while True:
    i=body.find('X(',i)
    if i<0: break
    d=0;j=i+1
    while True:
        if body[j]=='(': d+=1
        elif body[j]==')':
            d-=1
            if d==0: break
        j+=1
    inner=body[i+2:j]
    # split top-level commas
    parts=[];d=0;cur=''
    for ch in inner:
        if ch=='(' : d+=1
        if ch==')': d-=1
        if ch==',' and d==0: parts.append(cur.strip());cur=''
        else: cur+=ch
    parts.append(cur.strip())
    items.append((parts[0],parts[1],' '.join(parts[2].split()),' '.join(parts[3].split())))
    i=j
impl=set()
for f in glob.glob('store_pg_*.c'):
    if f=='store_pg_todo.c': continue
    impl|=set(re.findall(r'^(?:int|void) pgs_(\w+)\(',open(f).read(),re.M))
out=['''/* store_pg_todo — the functions of the seam (store_backend.h) the PostgreSQL
 * backend does not have yet: each fails with a sentence that says so. Each
 * leaves this file when it gets its own (issue 19, in progress); made by
 * tools/pg-todo.py. */
#include "store_pg.h"

static int todo(struct store *s, const char *what)
{
	store__seterr(s, "%s: not available on PostgreSQL yet", what);
	return STORE_ERR;
}
''']
for ret,name,params,args in items:
    if name in impl: continue
    vs=[a.strip() for a in args.strip('()').split(',')]
    voids=''.join('\t(void)%s;\n'%v for v in vs if v!='s')
    sarg='(struct store *)(uintptr_t)s' if params.startswith('(const struct store') else 's'
    out.append('%s pgs_%s%s\n{\n%s\treturn todo(%s, "%s");\n}\n'%(ret,name,params,voids,sarg,name.replace('_',' ')))
import os
if len(out) == 1:
    # every function has its own file: no stub is left
    if os.path.exists('store_pg_todo.c'):
        os.remove('store_pg_todo.c')
else:
    open('store_pg_todo.c','w').write('\n'.join(out))
print(len(items), len(impl))
