#!/bin/sh
# Rebuild calculator.wasm from its sources (needs the dev extra: wasm-tools).
set -e
cd "$(dirname "$0")"
wasm-tools parse calc.wat -o calc.core.wasm
wasm-tools component embed calc.wit calc.core.wasm --world calculator -o calc.embed.wasm
wasm-tools component new calc.embed.wasm -o calculator.wasm
rm -f calc.core.wasm calc.embed.wasm
