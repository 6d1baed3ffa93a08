# Marks every public header's declarations as exported API: libkplug is built with
# -fvisibility=hidden, so what no public header declares stays inside.
import glob, re, sys
root = sys.argv[1]
push = '#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)\n'
pop = '#pragma GCC visibility pop\n'
for p in sorted(glob.glob(root + '/core/include/kplug/**/*.hpp', recursive=True)):
    s = open(p).read()
    if 'visibility push(default)' in s: continue
    lines = s.splitlines(keepends=True)
    # after the last #include / #define block preceding the first namespace
    idx = next((i for i, l in enumerate(lines) if l.startswith('namespace ') or l.startswith('extern "C"')), None)
    if idx is None:
        print('skip (no namespace):', p); continue
    lines.insert(idx, push)
    if not lines[-1].endswith('\n'): lines[-1] += '\n'
    lines.append(pop)
    open(p, 'w').write(''.join(lines))
    print('marked', p)
