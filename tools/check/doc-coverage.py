#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Check that the user documentation covers what the driver can report.

Every kernel log message of the driver's .c files (dev_*/pci_* calls) must
be findable in each document given: each literal run of its format string
(the text between conversion specifiers, without the "migration: " prefix
and at least three characters long) must appear, with whitespace and
markup backticks ignored.  Every errno the driver returns (-EXXX) must be
named too.  Prints TAP.

With --symptoms, the other direction for the troubleshooting table of
README.md ("### By symptom"): every log line quoted in its second column
(a backticked text with a space in it; a cell starting with an em dash
has none) must be one of the driver's messages, with N, M, K, A, B,
numbers, ... and 0x... standing for the values.

Usage: doc-coverage.py DRIVER.c... DOC...
       doc-coverage.py --symptoms DRIVER.c... README.md
The leading arguments that end in .c are the driver; the others are
documents.
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


def shape(text):
    """A message with its values replaced by #, for comparison."""
    text = SPEC.sub('#', text.replace('\\n', ''))
    text = re.sub(r'0x\u2026|\u2026|\b[NMKAB]\b|\b[0-9]+\b', '#', text)
    return normal(text).strip()


def read_all(paths):
    return '\n'.join(open(p, encoding='utf-8').read() for p in paths)


def split_args(args):
    """The leading .c arguments (the driver) and the rest (documents)."""
    n = 0
    while n < len(args) and args[n].endswith('.c'):
        n += 1
    return args[:n], args[n:]


def symptoms(driver, readme):
    src = read_all(driver)
    known = {shape(m) for m in CALL.findall(src)}
    lines = open(readme, encoding='utf-8').read().split('\n')
    try:
        start = lines.index('### By symptom')
    except ValueError:
        print('not ok 1 - %s has a "### By symptom" table' % readme)
        return 1
    quoted = []
    for line in lines[start + 1:]:
        if line.startswith('#'):
            break
        cells = line.split('|')
        # "—" first: no driver line (the cell may quote another program)
        if len(cells) > 3 and not cells[2].strip().startswith('\u2014'):
            quoted += [q for q in re.findall(r'`([^`]+)`', cells[2])
                       if ' ' in q]
    unknown = [q for q in quoted if shape(q) not in known]
    print('TAP version 13')
    if not quoted:
        print('not ok 1 - the symptom table of %s quotes log lines' % readme)
        return 1
    if unknown:
        print('not ok 1 - every log line of the symptom table is a message '
              'of the driver')
        for q in unknown:
            print('#   not a driver message: "%s"' % q)
        return 1
    print('ok 1 - the %d log lines of the symptom table of %s are messages '
          'of the driver' % (len(quoted), readme))
    print('1..1')
    return 0


def main():
    check = sys.argv[1:2] == ['--symptoms']
    driver, docs = split_args(sys.argv[2:] if check else sys.argv[1:])
    if not driver or not docs or (check and len(docs) != 1):
        print(__doc__)
        return 2
    if check:
        return symptoms(driver, docs[0])
    src = read_all(driver)
    messages = sorted(set(CALL.findall(src)))
    errnos = sorted(set(ERRNO.findall(src)))
    n = 0
    failed = 0
    print('TAP version 13')
    print('# %d messages, %d errnos in %s' % (len(messages), len(errnos),
                                              ' '.join(driver)))
    for doc in docs:
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
