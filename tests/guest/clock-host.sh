#!/bin/sh
# Test-host side of tests/test-guest.sh (--host-script): the test host's
# wall clock just before and after the VMM run ("before N" / "after N"),
# to compare with the guest's clock.
echo "RESULT: testhost-date-$1=$(date +%s)"
