#!/bin/sh
# help2man.sh TOOL > TOOL.1: a man page made from the tool's --help and --version
# (no dependencies: the help text goes in as it is, in a no-fill block).
set -e
tool=$1
name=$(basename "$tool")
version=$("$tool" --version | head -n 1 | sed 's/^[^ ]* (cat.h) \([0-9.]*\).*/\1/')
esc() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }
help=$("$tool" --help)
case $name in
    cat-generate) summary="generate text from a prompt with a cat.h model" ;;
    cat-convert)  summary="convert PyTorch and safetensors checkpoints into cat.h model files" ;;
    cat-check)    summary="check a cat.h model against reference logits" ;;
    cat-tokenize) summary="encode text into token ids, or decode ids into text" ;;
    cat-ppl)      summary="loss and perplexity of a text under a cat.h model" ;;
    cat-bench)    summary="speed and memory figures of a cat.h model" ;;
    *)            summary="a cat.h tool" ;;
esac
echo ".TH $(echo "$name" | tr a-z A-Z) 1 \"\" \"cat.h $version\" \"User Commands\""
echo ".SH NAME"
printf '%s \\- %s\n' "$name" "$(printf '%s' "$summary" | esc)"
echo ".SH DESCRIPTION"
echo ".nf"
printf '%s\n' "$help" | esc
echo ".fi"
echo ".SH VERSION"
"$tool" --version | esc
echo ".SH SEE ALSO"
echo "The README of cat.h; FORMAT.md for the model file."
