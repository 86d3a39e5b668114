#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Check that the user documentation covers what the driver can report.

Every kernel log message of hisi_acc_vfio_pci.c (dev_*/pci_* calls) must
be findable in each document given: each literal run of its format string
(the text between conversion specifiers, without the "migration: " prefix
and at least three characters long) must appear, with whitespace and
markup backticks ignored.  Every errno the driver returns (-EXXX) must be
named too.  Prints TAP.

Usage: doc-coverage.py DRIVER.c DOC...
"""

import re
import sys

CALL = re.compile(r'\b(?:dev|pci)_(?:err|warn|info|notice|dbg)'
                  r'(?:_ratelimited|_once)?\s*\([^;]*?"((?:[^"\\]|\\.)*)"', re.S)
SPEC = re.compile(r'%[-#0 +]*[0-9.*]*(?:hh|h|ll|l|z|t|j)?[a-zA-Z]')
ERRNO = re.compile(r'-(E[A-Z]{2,})\b')


def normal(text):
    return re.sub(r'\s+', ' ', text.replace('`', ''))


def runs(fmt):
    fmt = fmt.replace('\\n', '')
    if fmt.startswith('migration: '):
        fmt = fmt[len('migration: '):]
    return [r for r in SPEC.split(fmt) if len(r.strip()) >= 3]


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    src = open(sys.argv[1], encoding='utf-8').read()
    messages = sorted(set(CALL.findall(src)))
    errnos = sorted(set(ERRNO.findall(src)))
    n = 0
    failed = 0
    print('TAP version 13')
    print('# %d messages, %d errnos in %s' % (len(messages), len(errnos),
                                              sys.argv[1]))
    for doc in sys.argv[2:]:
        text = normal(open(doc, encoding='utf-8').read())
        missing = [m for m in messages
                   if not all(normal(r) in text for r in runs(m))]
        n += 1
        if missing:
            failed += 1
            print('not ok %d - %s names every kernel log message' % (n, doc))
            for m in missing:
                print('#   missing: "%s"' % m)
        else:
            print('ok %d - %s names every kernel log message (%d)'
                  % (n, doc, len(messages)))
        absent = [e for e in errnos if not re.search(r'\b%s\b' % e, text)]
        n += 1
        if absent:
            failed += 1
            print('not ok %d - %s names every errno: missing %s'
                  % (n, doc, ' '.join(absent)))
        else:
            print('ok %d - %s names every errno (%s)'
                  % (n, doc, ' '.join(errnos)))
    print('1..%d' % n)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
