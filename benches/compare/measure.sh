# Shared by run.sh and run_analyze.sh (sourced): `measure NAME CMD…` runs CMD under
# `/usr/bin/time -v` and `nice -n 19`, output in $work/NAME.out, and prints CPU (user + system s),
# wall time and peak RSS ("Maximum resident set size"). Needs $work.
measure() {
  local name=$1; shift
  /usr/bin/time -v nice -n 19 "$@" > "$work/$name.out" 2> "$work/$name.time" || { cat "$work/$name.time"; exit 1; }
  awk -v n="$name" '/User time/ {u=$4} /System time/ {s=$4} /Elapsed/ {w=$8}
    /Maximum resident/ {m=$6} END {printf "%-20s CPU %6.1f s  wall %8s  peak RSS %6.0f MiB\n", n, u+s, w, m/1024}' "$work/$name.time"
}
