#!/bin/sh
# Print the path of a working Python 3.10 (Rasa 3.6 needs exactly 3.10), or say how to
# get one. Looks at $PYTHON310, then python3.10 on PATH, then pyenv's versions.
is_310() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; }

for candidate in "${PYTHON310:-}" python3.10; do
    [ -n "$candidate" ] || continue
    path=$(command -v "$candidate" 2>/dev/null) || continue
    # a pyenv shim exists even when 3.10 is not the selected version: check it runs
    if is_310 "$path"; then echo "$path"; exit 0; fi
done
if command -v pyenv >/dev/null 2>&1; then
    for prefix in $(ls -d "$(pyenv root)"/versions/3.10* 2>/dev/null | sort -rV); do
        if is_310 "$prefix/bin/python3.10"; then echo "$prefix/bin/python3.10"; exit 0; fi
    done
fi
cat >&2 <<'MSG'
Xiaoer needs Python 3.10 for Rasa 3.6, and none was found.
Get one of these, then run the command again:
  - pyenv install 3.10        (pyenv: https://github.com/pyenv/pyenv)
  - apt-get install python3.10 python3.10-venv   (where your distribution has it)
  - or point PYTHON310 at an existing interpreter: make run PYTHON310=/path/to/python3.10
MSG
exit 1
