#!/usr/bin/env bash
# Fuzzes trainer's readers of untrusted files with libFuzzer:
#
#   tools/fuzz.sh [SECONDS] [HARNESS...]      (default: 60 seconds, every harness)
#
# Each harness (tools/fuzz/<name>/*.swift, an LLVMFuzzerTestOneInput) is built into .build/fuzz/
# with `swiftc -sanitize=fuzzer,address` together with the modules it imports, compiled from
# Sources/ (and Yams from .build/checkouts) with the same instrumentation; the C modules are found
# the way Package.swift finds them (pkg-config, libsentencepiece). Each runs for SECONDS on a
# copy of its seed corpus tools/fuzz/corpus/<name>/ (the copy grows, the seeds in git do not),
# with a 10 s limit per input and 2 GB of memory. Prints, per harness, the executions and any
# crash, hang or out-of-memory with its reproducer; exits 1 if any harness found one.
#
# FUZZ_KEEP_GOING=1 runs libFuzzer with -fork=1 and -ignore_crashes/-ignore_timeouts/-ignore_ooms,
# so that one harness collects every reproducer it finds in the time (for triage).
# FUZZ_OPT sets the optimization of the build (default -O; bounds and overflow checks stay).
# A reproducer is replayed with `.build/fuzz/bin/<name> REPRODUCER`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

seconds=60
if [[ $# -gt 0 && $1 =~ ^[0-9]+$ ]]; then seconds=$1; shift; fi
all=()
for dir in tools/fuzz/*/; do
  name=$(basename "$dir")
  [[ $name == corpus || $name == Shared ]] || all+=("$name")
done
harnesses=("$@")
[[ ${#harnesses[@]} -gt 0 ]] || harnesses=("${all[@]}")
for h in "${harnesses[@]}"; do
  [[ -d tools/fuzz/$h ]] || { echo "fuzz: no harness '$h' (have: ${all[*]})" >&2; exit 2; }
done

out=$root/.build/fuzz
mods=$out/modules
objs=$out/objects
maps=$out/modulemaps
mkdir -p "$mods" "$objs" "$maps" "$out/bin" "$out/run"
opt=${FUZZ_OPT:--O}
sanitize=(-sanitize=fuzzer,address)
csanitize=(-fsanitize=fuzzer-no-link,address -g -O1)

# Yams (the recipe reader's YAML parser) comes from SwiftPM's checkout.
if ! ls -d .build/checkouts/*/Sources >/dev/null 2>&1; then
  swift package resolve >/dev/null 2>&1
fi

# Where module M's sources are: Sources/M, else a checked-out package's Sources/M.
module_dir() {
  local m=$1
  if [[ -d Sources/$m ]]; then echo "Sources/$m"; return; fi
  local d
  for d in .build/checkouts/*/Sources/"$m"; do
    [[ -d $d ]] && { echo "$d"; return; }
  done
}

# C flags and link flags of the system libraries and C targets, as Package.swift declares them
# (pkgConfig names, linkerSettings).
pkg_config=(hdf5 openblas snappy libzstd zlib)
declare -A c_links=([CSentencePiece]="-lsentencepiece -lsentencepiece_train -lstdc++" [CMPI]="-ldl" [CBF16]="-ldnnl -ldl")
declare -A c_defines=([CYaml]="-DYAML_DECLARE_STATIC")
cflags=()
for p in "${pkg_config[@]}"; do
  for f in $(pkg-config --cflags "$p"); do cflags+=("$f"); done
done
libflags=()
for p in "${pkg_config[@]}"; do
  for f in $(pkg-config --libs "$p"); do libflags+=("$f"); done
done

# Every C module (system library or C target) visible to every Swift module: their module maps
# and include paths as -Xcc flags.
swift_c_flags=()
for f in "${cflags[@]}"; do swift_c_flags+=(-Xcc "$f"); done
swift_c_flags+=(-Xcc -DYAML_DECLARE_STATIC)
for dir in Sources/*/ .build/checkouts/*/Sources/*/; do
  dir=${dir%/}
  m=$(basename "$dir")
  if [[ -f $dir/module.modulemap ]]; then
    swift_c_flags+=(-I "$root/$dir")
  elif [[ -d $dir/include ]]; then
    if [[ -f $dir/include/module.modulemap ]]; then
      swift_c_flags+=(-I "$root/$dir/include")
    else
      mkdir -p "$maps/$m"
      {
        echo "module $m {"
        for hdr in "$dir"/include/*.h; do echo "  header \"$root/$hdr\""; done
        echo "  export *"
        echo "}"
      } >"$maps/$m/module.modulemap"
      swift_c_flags+=(-I "$maps/$m" -Xcc -I -Xcc "$root/$dir/include")
    fi
  fi
done

# The modules a set of Swift files imports that are built here (targets and checked-out packages).
imports_of() {
  sed -n -E 's/^[[:space:]]*((@[A-Za-z_]+|public|package|internal|fileprivate|private)[[:space:]]+)*import[[:space:]]+((struct|class|enum|protocol|func|var|let|typealias)[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*).*/\5/p' "$@" |
    sort -u | while read -r m; do [[ -n $(module_dir "$m") ]] && echo "$m"; done
}

declare -A built=()
closure=()   # modules linked into the current harness, dependencies first

# Builds module M (and first what it imports) into $objs/M.o (+ .swiftmodule), unless up to date.
build_module() {
  local m=$1
  [[ -n ${built[$m]:-} ]] && return
  built[$m]=building
  local dir
  dir=$(module_dir "$m")
  local swift_files=() c_files=()
  mapfile -t swift_files < <(find "$dir" -name '*.swift' | sort)
  mapfile -t c_files < <(find "$dir" \( -name '*.c' -o -name '*.cpp' \) | sort)
  local deps=()
  [[ ${#swift_files[@]} -gt 0 ]] && mapfile -t deps < <(imports_of "${swift_files[@]}")
  local d
  for d in "${deps[@]}"; do [[ $d == "$m" ]] || build_module "$d"; done
  local products=()
  if [[ ${#c_files[@]} -gt 0 ]]; then
    local f o
    for f in "${c_files[@]}"; do
      o=$objs/$m-$(basename "$f").o
      products+=("$o")
      if [[ ! -f $o || $f -nt $o ]]; then
        echo "fuzz: compiling $f"
        if [[ $f == *.cpp ]]; then
          clang++ -std=c++17 "${csanitize[@]}" -fPIC ${c_defines[$m]:-} -I "$dir/include" "${cflags[@]}" -c "$f" -o "$o"
        else
          clang "${csanitize[@]}" -fPIC ${c_defines[$m]:-} -I "$dir/include" "${cflags[@]}" -c "$f" -o "$o"
        fi
      fi
    done
  fi
  if [[ ${#swift_files[@]} -gt 0 ]]; then
    local o=$objs/$m.o stale=0
    [[ -f $o && -f $mods/$m.swiftmodule ]] || stale=1
    if [[ $stale == 0 ]]; then
      for f in "${swift_files[@]}"; do [[ $f -nt $o ]] && stale=1; done
      for d in "${deps[@]}"; do [[ -f $mods/$d.swiftmodule && $mods/$d.swiftmodule -nt $o ]] && stale=1; done
    fi
    if [[ $stale == 1 ]]; then
      echo "fuzz: compiling module $m"
      swiftc -parse-as-library -swift-version 5 -module-name "$m" -wmo "$opt" -gline-tables-only -DSWIFT_PACKAGE \
        "${sanitize[@]}" -I "$mods" "${swift_c_flags[@]}" -Xcc -DYAML_DECLARE_STATIC \
        -emit-module -emit-module-path "$mods/$m.swiftmodule" -c "${swift_files[@]}" -o "$o"
    fi
    products+=("$o")
  fi
  built[$m]="${products[*]}"
  closure+=("$m")
}

# Builds harness H into $out/bin/H.
build_harness() {
  local h=$1
  local files=()
  mapfile -t files < <(find "tools/fuzz/$h" tools/fuzz/Shared -name '*.swift' | sort)
  closure=()
  local deps=() d
  mapfile -t deps < <(imports_of "${files[@]}")
  for d in "${deps[@]}"; do build_module "$d"; done
  # every module in the closure (built[] remembers modules built for earlier harnesses)
  local seen=() queue=("${deps[@]}") m
  declare -A inclosure=()
  while [[ ${#queue[@]} -gt 0 ]]; do
    m=${queue[0]}; queue=("${queue[@]:1}")
    [[ -n ${inclosure[$m]:-} ]] && continue
    inclosure[$m]=1
    seen+=("$m")
    local dir sw=()
    dir=$(module_dir "$m")
    mapfile -t sw < <(find "$dir" -name '*.swift')
    [[ ${#sw[@]} -gt 0 ]] && while read -r d; do [[ -n $d ]] && queue+=("$d"); done < <(imports_of "${sw[@]}")
  done
  local link_objs=() link_libs=()
  for m in "${seen[@]}"; do
    for o in ${built[$m]}; do link_objs+=("$o"); done
    [[ -n ${c_links[$m]:-} ]] && for f in ${c_links[$m]}; do link_libs+=("$f"); done
  done
  local bin=$out/bin/$h stale=0 f
  [[ -x $bin ]] || stale=1
  for f in "${files[@]}" "${link_objs[@]}"; do [[ $f -nt $bin ]] && stale=1; done
  if [[ $stale == 1 ]]; then
    echo "fuzz: linking $h (${seen[*]})"
    swiftc -parse-as-library -swift-version 5 -module-name "Fuzz_$h" "$opt" -gline-tables-only "${sanitize[@]}" -use-ld=lld \
      -I "$mods" "${swift_c_flags[@]}" "${files[@]}" "${link_objs[@]}" "${libflags[@]}" "${link_libs[@]}" -o "$bin"
  fi
}

for h in "${harnesses[@]}"; do build_harness "$h"; done

# Runs each harness; one summary line each.
# Leaks are not findings (a leak that grows shows as out-of-memory); a huge allocation is.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
failed=0
summary=()
for h in "${harnesses[@]}"; do
  run=$out/run/$h
  rm -rf "$run"
  mkdir -p "$run/corpus" "$run/artifacts"
  [[ -d tools/fuzz/corpus/$h ]] && cp -R "tools/fuzz/corpus/$h/." "$run/corpus/"
  extra=()
  [[ ${FUZZ_KEEP_GOING:-0} == 1 ]] && extra=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  echo "fuzz: running $h for ${seconds}s (log: $run/log)"
  set +e
  (cd "$run" && SWIFT_BACKTRACE=enable=no timeout -k 10 $((seconds + 300)) "$out/bin/$h" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -malloc_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$run/artifacts/" "${extra[@]}" "$run/corpus" >log 2>&1)
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$run/log" | tail -1 | grep -o '[0-9]*$' || true)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$run/log" | tail -1 | grep -o '[0-9]*$' || true)
  if [[ -z $execs ]]; then  # fork mode: the last status line counts the executions
    execs=$(grep -o '^#[0-9]*' "$run/log" | tail -1 | tr -d '#' || true)
  fi
  [[ -z $rate && -n $execs ]] && rate=$((execs / (seconds > 0 ? seconds : 1)))
  found=$(find "$run/artifacts" -type f | sort)
  if [[ $rc == 0 && -z $found ]]; then
    summary+=("$h: ${execs:-?} executions (${rate:-?}/s), no crash")
  elif [[ -z $found ]]; then
    failed=1
    summary+=("$h: ${execs:-?} executions, FAILED (exit $rc, no reproducer; see $run/log)")
  else
    failed=1
    summary+=("$h: ${execs:-?} executions, FOUND $(echo "$found" | wc -l) reproducer(s):")
    # each reproducer replayed: what trapped (the runtime's message) and where (the first frame
    # in our sources); one line per place, with one of its reproducers
    declare -A places=()
    for f in $found; do
      kind=$(basename "$f" | cut -d- -f1)
      replay=$(cd "$run" && SWIFT_BACKTRACE=enable=no timeout -k 10 120 "$out/bin/$h" -timeout=10 -rss_limit_mb=2048 \
        -malloc_limit_mb=2048 "$f" 2>&1 || true)
      why=$(grep -m1 -o -E 'Swift runtime failure: .*[^ ]|Fatal error: .*' <<<"$replay" ||
        grep -m1 -o -E 'ERROR: (AddressSanitizer|libFuzzer): [a-z0-9 -]+[a-z]' <<<"$replay" || true)
      where=$(grep -m1 -o -E '(Sources|tools/fuzz|checkouts)/[^ ]+:[0-9]+' <<<"$replay" || true)
      [[ -z $where ]] && where=$(grep -m1 -o -E ' in [A-Za-z_0-9]+ \(/[^ ]*\.so[^ ]*' <<<"$replay" | sed 's/ (/ in /' || true)
      key="$kind: ${why% /<compiler-generated>}${where:+ at $where}"
      [[ -n ${places[$key]:-} ]] || { places[$key]=$f; summary+=("    $key: $f"); }
    done
    unset places
  fi
done
echo
echo "fuzz: ${seconds}s per harness"
printf '  %s\n' "${summary[@]}"
exit $failed
