#!/usr/bin/env bash
# Packs the NuGet packages into artifacts/packages/ (or $2): AgentRetrieval.Core, .Onnx, .SemanticKernel (with symbols)
# and the .NET tool AgentRetrieval.Tool (one package per runtime in ToolPackageRuntimeIdentifiers plus the package that
# points to them). Usage: build/pack.sh [version] [output-folder] [tool-runtimes]
#   build/pack.sh 0.5.0                                  # every desktop runtime (linux-x64, linux-arm64, osx-arm64, win-x64)
#   build/pack.sh 0.5.0-local artifacts/packages linux-x64
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-0.5.0}"
out="$(realpath -m "${2:-artifacts/packages}")"
rids="${3:-linux-x64;linux-arm64;osx-arm64;win-x64}"
mkdir -p "$out"
for p in src/AgentRetrieval.Core src/AgentRetrieval.Onnx src/AgentRetrieval.SemanticKernel; do
  dotnet pack "$p" -c Release -p:Version="$version" -o "$out" --nologo -v quiet
done
# The runtime list goes in through the environment: a ';' inside a -p: value would start another property.
ToolPackageRuntimeIdentifiers="$rids" dotnet pack src/AgentRetrieval.Cli -c Release -p:Version="$version" -o "$out" --nologo -v quiet
ls -l "$out"/*"$version"*
