#!/bin/sh
# A guest script for runs where the guest must never start.
echo "RESULT: guest-ran"
