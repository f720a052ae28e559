# Sourced by scripts that talk to a server from Python: makes .build/python-venv with
# examples/python's requirements (grpcio, grpcio-tools, gymnasium, numpy) from PyPI and
# generates the contract's stubs into examples/python/gen. Sets $venv and $example.
root="${root:?set root before sourcing}"
venv="$root/.build/python-venv"
example="$root/examples/python"
if [ ! -x "$venv/bin/python3" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python3" -c "import grpc, grpc_tools, gymnasium, numpy" 2>/dev/null \
  || "$venv/bin/python3" -m pip install -q --disable-pip-version-check -r "$example/requirements.txt"
PATH="$venv/bin:$PATH" "$example/generate.sh"
