#!/bin/sh
# What the main job's guest does (busybox sh inside the guest): show the
# NVDIMM, give it labels and an fsdax namespace unless it has one, show the
# result. Every line meant for the user starts with "RESULT: ".
say() { echo "RESULT: $*"; }
show() { say "\$ $*"; "$@" 2>&1 | sed 's/^/RESULT: /'; }

show ndctl list -D
show ndctl list -R
# A DIMM whose label area was never initialized shows one label-less raw
# namespace over the whole region; an fsdax one needs labels first.
if ! ndctl list -N | grep -q '"mode":"fsdax"'; then
    say "no fsdax namespace yet: initializing labels and creating one"
    ndctl disable-region all >/dev/null 2>&1
    show ndctl init-labels -f all
    ndctl enable-region all >/dev/null 2>&1
    show ndctl create-namespace -m fsdax -n demo
fi
show ndctl list -N
