# SPDX-License-Identifier: GPL-2.0
#
# munmap-split: a 6.1.y patch series, its companion module and its tests.
# 'make help' lists the targets.  Everything generated goes to build/.

SHELL := /bin/bash
S := scripts

.PHONY: help test test-debug soak bench deps prepare export quilt checkpatch \
	kernel kunit mutants vmtest stock module-612 vm-612 selftests selftests-tar tarball \
	deb deb-check results-page clean distclean

# make soak: seconds of stress-ng in the guest.
DURATION ?= 600

help:
	@echo 'make test        set up, apply, check, build, run every suite'
	@echo 'make test-debug  KASAN/kmemleak kernel: in-VM tests, stress and KUnit (slow)'
	@echo 'make soak        stress-ng in the VM for DURATION s (600), hold times checked'
	@echo 'make bench       stock, patched and 6.12: exclusive mmap_lock hold per scenario'
	@echo 'make deps        install the Debian packages that are missing'
	@echo 'make prepare     build/linux: base 6.1.192 + patches/ (git am)'
	@echo 'make export      build/linux base..HEAD -> patches/ (format-patch)'
	@echo 'make quilt       quilt push -a on a plain base tree'
	@echo 'make checkpatch  checkpatch.pl --strict on every patch'
	@echo 'make kernel      build every commit of the series (bisectability)'
	@echo 'make kunit       kunit.py run --arch=x86_64 in QEMU'
	@echo 'make mutants     KUnit on deliberately broken kernels must fail'
	@echo 'make vmtest      selftests in a QEMU guest of the patched kernel'
	@echo 'make stock       stock 6.1.192 in QEMU: munmap_hold must tell it apart'
	@echo 'make module-612  the module against Linux 6.12, and its dkms.conf'
	@echo 'make vm-612      a 6.12 kernel booted with the module'"'"'s selftests'
	@echo 'make selftests   build the selftests for this machine'
	@echo 'make selftests-tar  build/munmap-split-selftests.tar.gz: the selftests,'
	@echo '                 their runner and the module sources, for real hardware'
	@echo 'make tarball     that tarball unpacked and run in a guest of the test kernel'
	@echo 'make deb         Debian packages of the patched kernel (DEB_CONFIG, DEB_LSMOD)'
	@echo 'make deb-check   boot those packages in QEMU and run the tarball there'
	@echo 'make results-page  Documentation/results.md from Documentation/results/'
	@echo 'Results: build/results/<target>-<time>/, build/results/<target>-latest.'
	@echo 'Set KERNEL_SRC=/path/to/linux (a 6.1.y git tree) to use your own base.'

test:
	@$(S)/test.sh

test-debug:
	@$(S)/test-debug.sh

# The test kernel must exist ('make test' or 'make kernel' builds it).
soak:
	@VM_NAME=soak $(S)/checks/stress.sh --duration $(DURATION)

bench:
	@$(S)/bench.sh

deps:
	@$(S)/deps.sh

prepare: deps
	@$(S)/kernel/prepare-tree.sh

export:
	@$(S)/export-series.sh

quilt: prepare
	@$(S)/checks/quilt.sh

checkpatch: prepare
	@$(S)/checks/checkpatch.sh

kernel: prepare
	@$(S)/checks/bisect.sh

kunit: prepare
	@$(S)/checks/kunit.sh

mutants: prepare
	@$(S)/checks/mutants.sh

vmtest: kernel
	@$(S)/checks/vmtest.sh

stock: prepare
	@$(S)/checks/stock.sh

module-612: deps
	@$(S)/checks/module-612.sh

vm-612: deps
	@$(S)/checks/vm612.sh

results-page:
	@$(S)/results-page.sh

selftests:
	@$(MAKE) -C selftests

selftests-tar: prepare
	@$(MAKE) -C selftests gen_tar

tarball: kernel
	@$(S)/checks/tarball.sh

deb:
	@$(S)/deb.sh

deb-check:
	@$(S)/checks/deb-boot.sh

clean:
	rm -rf build/results build/selftests build/vm

distclean:
	rm -rf build
