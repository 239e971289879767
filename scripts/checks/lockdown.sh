#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module's controls under lockdown: boot the test kernel with
# lockdown=integrity (what Secure Boot turns on in Debian, Ubuntu and
# Fedora) and run mlh_controls, which drives recording through the
# device's ioctls only and checks that debugfs refuses the writable
# control files.  MLH_EXPECT_LOCKDOWN=1 makes its 'lockdown' case fail,
# not SKIP, if the guest is not locked down after all.
# Usage: scripts/checks/lockdown.sh
# Env:   LOCKDOWN=the lockdown= level to boot with (integrity); empty
#          boots without it, which must fail (scripts/evidence/lockdown.sh).
#        VM_NAME, MODULE_SRC: as for scripts/checks/vmtest.sh and
#          scripts/kernel/build-module.sh.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

LOCKDOWN=${LOCKDOWN-integrity}
[[ $LOCKDOWN =~ ^(integrity|confidentiality|)$ ]] ||
	die "LOCKDOWN: integrity, confidentiality or empty, not '$LOCKDOWN'"

VM_NAME=${VM_NAME:-lockdown} \
VM_APPEND=${LOCKDOWN:+lockdown=$LOCKDOWN} \
VM_ONLY=mlh_controls \
VM_ENV=MLH_EXPECT_LOCKDOWN=1 \
	exec "$S/checks/vmtest.sh"
