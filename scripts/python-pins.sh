# Sourced by scripts that install PyPI packages: every install is pinned to the versions in
# scripts/python-constraints.txt (PIP_CONSTRAINT also reaches pip's own dependency
# resolution), so a fresh machine gets the versions that were tested.
#   pinned VENV NAME...   installs each NAME at its pinned version into VENV (nothing if
#                         it is already there at that version)
root="${root:?set root before sourcing}"
constraints="$root/scripts/python-constraints.txt"
export PIP_CONSTRAINT="$constraints"

pinned() {
  local venv="$1"; shift
  local wanted=() name version
  for name in "$@"; do
    version=$(grep -i "^${name}==" "$constraints" | head -1 | cut -d= -f3)
    [ -n "$version" ] || { echo "no pin for $name in $constraints" >&2; return 1; }
    "$venv/bin/python3" -c 'import importlib.metadata as m, sys; sys.exit(m.version(sys.argv[1]) != sys.argv[2])' \
      "$name" "$version" 2>/dev/null || wanted+=("$name==$version")
  done
  [ ${#wanted[@]} -eq 0 ] || "$venv/bin/python3" -m pip install -q --disable-pip-version-check "${wanted[@]}"
}
