#!/usr/bin/env python3
"""Fails when modules of one crate import each other in a circle (a -> b -> ... -> a).

A module may use its own ancestors and descendants (a parent re-exports its children); any
other `crate::` or `super::` path is an edge. Comments and unit-test modules are ignored.
"""
import glob
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
def modpath(crate_src, f):
    rel=os.path.relpath(f,crate_src)[:-3]
    parts=rel.split('/')
    if parts[-1] in ('lib','main','mod'): parts=parts[:-1]
    return tuple(parts)
found=0
for src in sorted(glob.glob(ROOT+'/crates/*/src'))+[ROOT+'/migrations/src']:
    files=[f for f in glob.glob(src+'/**/*.rs',recursive=True)]
    mods={modpath(src,f):f for f in files}
    edges={m:set() for m in mods}
    for m,f in mods.items():
        s=open(f).read()
        s=re.sub(r"//[^\n]*","",s)
        s=re.sub(r'#\[cfg\(test\)\]\s*mod tests\s*\{.*','',s,flags=re.S)
        for ref in re.findall(r'crate::((?:\w+::)*\w+)',s):
            parts=tuple(ref.split('::'))
            for k in range(len(parts),0,-1):
                if parts[:k] in mods: 
                    t=parts[:k]; break
            else: continue
            if t==m or t==m[:len(t)] or m==t[:len(m)]: continue
            edges[m].add(t)
        for ref in re.findall(r'\bsuper::(\w+)',s):
            t=m[:-1]+(ref,)
            if t in mods and t!=m: edges[m].add(t)
    # find cycles via DFS (simple cycles of length>=2 reported once)
    color={}; stack=[]
    def dfs(u):
        global found
        color[u]=1; stack.append(u)
        for v in edges[u]:
            if 'test' in '/'.join(v) : continue
            if color.get(v)==1:
                cyc=stack[stack.index(v):]+[v]
                print(os.path.basename(os.path.dirname(src)),' -> '.join('::'.join(x) or 'lib' for x in cyc)); found+=1
            elif color.get(v) is None: dfs(v)
        stack.pop(); color[u]=2
    for m in mods:
        if 'test' in '/'.join(m): continue
        if color.get(m) is None: dfs(m)
print(found, "import circles")
sys.exit(1 if found else 0)
