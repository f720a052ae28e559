"""Builds seedrl-actor: the contract's Python stubs are generated from
Protos/seedrl/v1/learner.proto (the repository's, or a copy beside this file) into
seedrl_actor/_gen before anything else is built, so the installed package always speaks
the contract it was built from. grpcio-tools is a build requirement (pyproject.toml)."""
import os

from setuptools import setup

HERE = os.path.dirname(os.path.abspath(__file__))


def proto_root():
    for root in (os.path.join(HERE, "..", "Protos"), os.path.join(HERE, "Protos")):
        if os.path.exists(os.path.join(root, "seedrl", "v1", "learner.proto")):
            return root
    raise RuntimeError("learner.proto not found: build from the seedrl repository (pip install ./python)")


def generate_stubs():
    from grpc_tools import protoc

    out = os.path.join(HERE, "seedrl_actor", "_gen")
    os.makedirs(out, exist_ok=True)
    root = proto_root()
    proto = os.path.join(root, "seedrl", "v1", "learner.proto")
    if protoc.main(["protoc", f"-I{root}", f"--python_out={out}", f"--grpc_python_out={out}", proto]) != 0:
        raise RuntimeError("protoc failed on " + proto)
    for package in ("", "seedrl", os.path.join("seedrl", "v1")):
        open(os.path.join(out, package, "__init__.py"), "a").close()


generate_stubs()
setup()
