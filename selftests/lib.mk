# SPDX-License-Identifier: GPL-2.0
#
# The part of the kernel's tools/testing/selftests/lib.mk that the
# collections' Makefiles (mm/, mlh/, bench/) use, so that each of them is
# written as it would be in the kernel tree: set TEST_GEN_PROGS,
# LOCAL_HDRS, CFLAGS and LDLIBS, 'include ../lib.mk', add the extra
# sources as prerequisites.  Dropped into tools/testing/selftests/, the
# same Makefile includes the kernel's lib.mk instead (see mm/Makefile).
#
# Variables (the top-level Makefile passes them on):
#   KSRC     kernel tree with tools/testing/selftests/kselftest_harness.h
#            (default: build/linux of the project)
#   OUTPUT   where the programs go (default: build/selftests)
#   STATIC   1 (default): link statically, for the busybox-only guest

LIBMK_DIR := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

KSRC ?= $(LIBMK_DIR)/../build/linux
override KSRC := $(abspath $(KSRC))
OUTPUT ?= $(LIBMK_DIR)/../build/selftests
override OUTPUT := $(abspath $(OUTPUT))
STATIC ?= 1

# As in the kernel's lib.mk: the selftests directory, and the tree's top.
selfdir := $(KSRC)/tools/testing/selftests
top_srcdir := $(KSRC)

# Every goal but the lists and clean compiles; fail before building.
ifneq ($(filter-out clean list list-unloaded emit_tests,$(or $(MAKECMDGOALS),all)),)
ifeq ($(wildcard $(selfdir)/kselftest_harness.h),)
$(error $(selfdir)/kselftest_harness.h not found: run 'make prepare' at the top level, or set KSRC=/path/to/linux)
endif
endif

# The project's warnings; the 6.1 harness has unused parameters in
# every TEST() it expands.
CFLAGS += -O2 -g -Wextra -Wno-unused-parameter
ifeq ($(STATIC),1)
LDFLAGS += -static
endif

TEST_GEN_PROGS := $(patsubst %,$(OUTPUT)/%,$(TEST_GEN_PROGS))
TEST_GEN_PROGS_EXTENDED := $(patsubst %,$(OUTPUT)/%,$(TEST_GEN_PROGS_EXTENDED))

.PHONY: all clean run_tests emit_tests
.DELETE_ON_ERROR:

all: $(TEST_GEN_PROGS) $(TEST_GEN_PROGS_EXTENDED)

$(OUTPUT):
	mkdir -p $@

LOCAL_HDRS += $(selfdir)/kselftest_harness.h $(selfdir)/kselftest.h
$(OUTPUT)/%: %.c $(LOCAL_HDRS) | $(OUTPUT)
	$(CC) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) $(filter-out $(LOCAL_HDRS),$^) $(LDLIBS) -o $@

# The collection's programs, as the kernel's 'make emit_tests' names them.
emit_tests:
	@for t in $(notdir $(TEST_GEN_PROGS)); do echo "$(COLLECTION):$$t"; done

# Run them with the project's runner, under the collection's timeout.
run_tests: all
	@sh $(LIBMK_DIR)/run.sh -t $(or $(shell sed -n 's/^timeout=//p' settings 2>/dev/null),45) \
		$(TEST_GEN_PROGS)

clean:
	rm -f $(TEST_GEN_PROGS) $(TEST_GEN_PROGS_EXTENDED) $(EXTRA_CLEAN)
