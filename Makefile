# SPDX-License-Identifier: GPL-2.0
#
# mojoports: top-level build. `make help` lists the targets.
#
# The kernel part is described by ./Kbuild and built through the kernel's
# own build system; everything else (library, selftests, examples) is plain
# userspace C built into build/.

KDIR		?= $(shell scripts/kdir.sh)
PREFIX		?= /usr/local
DESTDIR		?=
KERNELS		?= 6.1 6.12 debug
KERNEL		?= 6.1
KSRC_TARBALL	?= /usr/src/linux-source-6.1.tar.xz

B		:= build
LIBVER		:= 1
LIBDIR		?= $(PREFIX)/lib
# The release, 0.<MOJO_API_VERSION>.<n>: it moves with the uapi's API
# version. dkms.conf and debian/changelog must say the same (make
# dkms-check and make deb check it); bump <n> for a release without a new
# API version.
MOJO_API	:= $(shell sed -n 's/^\#define MOJO_API_VERSION[[:space:]]*//p' uapi/linux/mojoports.h)
VERSION		:= 0.$(MOJO_API).0
CFLAGS		?= -O2 -g
MOJO_CFLAGS	:= -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
		   -Iuapi -Iuserspace/include
STATIC_LDFLAGS	:= -static

LIB_SRCS	:= userspace/lib/mojoports.c
LIB_HDRS	:= userspace/include/mojoports.h uapi/linux/mojoports.h
SELFTESTS	:= $(patsubst selftests/%.c,$(B)/selftests/%,$(wildcard selftests/*_test.c))
# The Mojo core's test is dynamic (it dlopen()s the core): its own rule.
SELFTESTS	:= $(filter-out $(B)/selftests/mojo_core_test,$(SELFTESTS))
# The same suites again with every library call submitted through io_uring.
URING_SUITES	:= node msgpipe trap datapipe contract wrapfd creds
SELFTESTS	+= $(patsubst %,$(B)/selftests/%_via_uring_test,$(URING_SUITES))
EXAMPLES	:= $(patsubst userspace/examples/%.c,$(B)/examples/%,$(wildcard userspace/examples/*.c))
BENCHES		:= $(patsubst userspace/bench/%.c,$(B)/bench/%,$(wildcard userspace/bench/*.c))
FUZZ_SRCS	:= $(wildcard userspace/fuzz/*.c)
# Programs make install puts in $(PREFIX)/bin (the mojoports-tools
# package): mojoctl (userspace/tools), static unless STATIC_LDFLAGS is
# emptied, so the VM's initramfs can run it too.
TOOLS		:= $(B)/tools/mojoctl
FUZZER		:= $(B)/fuzz/mojofuzz
# libmojo_core.so (Mojo's C API on mojoports), its test and its example.
MOJO_CORE_SRCS	:= $(addprefix userspace/mojo_core/,mojo_core.c mojo_datapipe.c mojo_trap.c mojo_local.c)
MOJO_CORE_HDRS	:= $(wildcard userspace/mojo_core/*.h) $(LIB_HDRS)
MOJO_CORE_LIB	:= $(B)/mojo_core/libmojo_core.so
MOJO_CORE_BINS	:= $(B)/selftests/mojo_core_test $(B)/examples/mojo_pingpong
KSFT_STAMP	:= $(B)/ksft/.extracted
LINT_STAMP	:= $(B)/checkpatch/.extracted

.PHONY: all module lib selftests examples benches fuzzer mojo_core tools userspace deps check demo \
	bench \
	fuzz lint \
	coverage dkms-check deb \
	install install-module install-lib install-man install-tools install-dkms-src clean help

all: module userspace

help:
	@echo "make                 module (against KDIR), library, selftests, examples"
	@echo "make mojo_core       libmojo_core.so, build/selftests/mojo_core_test (which"
	@echo "                     loads it) and mojo_pingpong; make selftests builds the"
	@echo "                     test and the core as well"
	@echo "make deps            install build and test dependencies (root, Debian 12)"
	@echo "make check           run the selftests in QEMU on every kernel of KERNELS"
	@echo "                     (default: $(KERNELS)); e.g. make check KERNELS=6.12"
	@echo "make demo            boot QEMU (KERNEL=$(KERNEL)) and run the examples"
	@echo "make bench           boot QEMU (KERNEL=$(KERNEL)) and run the benchmarks"
	@echo "make fuzz            boot QEMU (KERNEL=$(KERNEL)) and run the fuzzer; e.g."
	@echo "                     make fuzz KERNEL=debug MODE=model SEEDS=1-8 SECONDS=60,"
	@echo "                     make fuzz SEED=7 OPS=1234 TRACE=1200 (replay a failure)"
	@echo "make coverage        selftests on the debug kernel with the module under gcov;"
	@echo "                     lcov HTML in build/coverage/html, one summary line"
	@echo "                     (MOJO_COVERAGE_MIN=90 fails below 90% of lines)"
	@echo "make lint            checkpatch --strict over module/ and uapi/, and the"
	@echo "                     manual pages (scripts/man-lint.sh)"
	@echo "make install         module (modules_install + depmod), library, headers,"
	@echo "                     libmojo_core.so (Mojo's C API; README), mojoctl in bin"
	@echo "make C=1 / W=1       sparse / extra warnings for the module build"
	@echo "make dkms-check      dkms add/build/install in a scratch tree for each"
	@echo "                     matrix kernel's headers (nothing touches the host)"
	@echo "make deb             Debian packages into $(B)/deb/, then installs them"
	@echo "                     into a scratch root and builds an example against them"
	@echo "KDIR=$(KDIR)"

# ---- kernel module --------------------------------------------------------

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# ---- userspace ------------------------------------------------------------

userspace: lib selftests examples benches fuzzer mojo_core tools

lib: $(B)/lib/libmojoports.a $(B)/lib/libmojoports.so

$(B)/lib/%.o: userspace/lib/%.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MOJO_CFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

$(B)/lib/libmojoports.a: $(patsubst userspace/lib/%.c,$(B)/lib/%.o,$(LIB_SRCS))
	$(AR) rcs $@ $^

$(B)/lib/libmojoports.so: $(patsubst userspace/lib/%.c,$(B)/lib/%.o,$(LIB_SRCS))
	$(CC) $(CFLAGS) -shared -Wl,-soname,libmojoports.so.$(LIBVER) -o $@.$(LIBVER) $^ \
		-luring -lpthread
	ln -sf libmojoports.so.$(LIBVER) $@

# kselftest's harness comes from Debian's linux-source-6.1 at build time.
$(KSFT_STAMP): $(KSRC_TARBALL)
	@mkdir -p $(@D)
	tar -xJf $< -C $(@D) --strip-components=4 \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/kselftest.h
	@touch $@

# mojo_core_test is built by its own rule (mojo_core), with the core it loads.
selftests: $(SELFTESTS) $(B)/selftests/mojo_core_test $(MOJO_CORE_LIB)

TEST_CFLAGS	= $(CFLAGS) $(MOJO_CFLAGS) -I$(B)/ksft -Wno-unused-parameter -Wno-sign-compare

$(B)/selftests/%_via_uring_test: selftests/%_test.c selftests/*.h $(LIB_HDRS) $(B)/lib/libmojoports.a $(KSFT_STAMP)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -DMOJO_TEST_VIA_URING $(STATIC_LDFLAGS) -o $@ $< \
		$(B)/lib/libmojoports.a -luring -lpthread

$(B)/selftests/%: selftests/%.c selftests/*.h $(LIB_HDRS) $(B)/lib/libmojoports.a $(KSFT_STAMP)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(STATIC_LDFLAGS) -o $@ $< $(B)/lib/libmojoports.a -luring -lpthread

examples: $(EXAMPLES)

$(B)/examples/%: userspace/examples/%.c $(LIB_HDRS) $(B)/lib/libmojoports.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MOJO_CFLAGS) $(STATIC_LDFLAGS) -o $@ $< \
		$(B)/lib/libmojoports.a -luring -lpthread

benches: $(BENCHES)

$(B)/bench/%: userspace/bench/%.c $(LIB_HDRS) $(B)/lib/libmojoports.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MOJO_CFLAGS) $(STATIC_LDFLAGS) -o $@ $< \
		$(B)/lib/libmojoports.a -luring -lpthread

tools: $(TOOLS)

$(B)/tools/%: userspace/tools/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MOJO_CFLAGS) $(STATIC_LDFLAGS) -o $@ $<

fuzzer: $(FUZZER)

$(FUZZER): $(FUZZ_SRCS) userspace/fuzz/*.h selftests/mojo_errnos.h $(LIB_HDRS) $(B)/lib/libmojoports.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MOJO_CFLAGS) -Iselftests $(STATIC_LDFLAGS) -o $@ $(FUZZ_SRCS) \
		$(B)/lib/libmojoports.a -luring -lpthread

# libmojo_core.so exports MojoGetSystemThunks only: libmojoports (PIC
# objects) is linked in with its symbols hidden.
mojo_core: $(MOJO_CORE_LIB) $(MOJO_CORE_BINS)

$(B)/mojo_core/%.o: userspace/mojo_core/%.c $(MOJO_CORE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MOJO_CFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

$(MOJO_CORE_LIB): $(patsubst userspace/mojo_core/%.c,$(B)/mojo_core/%.o,$(MOJO_CORE_SRCS)) \
		$(B)/lib/libmojoports.a
	$(CC) $(CFLAGS) -shared -Wl,-soname,libmojo_core.so -Wl,-z,defs \
		-Wl,--exclude-libs,ALL -o $@ $^ -luring -lpthread

# Programs of Mojo's API: they load the core as Mojo does (mojo_api.c).
$(B)/selftests/mojo_core_test: selftests/mojo_core_test.c $(MOJO_CORE_HDRS) \
		userspace/mojo_core/mojo_api.c $(KSFT_STAMP)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -Iuserspace/mojo_core -o $@ $< userspace/mojo_core/mojo_api.c \
		-ldl -lpthread

$(B)/examples/mojo_pingpong: userspace/mojo_core/mojo_pingpong.c $(MOJO_CORE_HDRS) \
		userspace/mojo_core/mojo_api.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MOJO_CFLAGS) -Iuserspace/mojo_core -o $@ $< \
		userspace/mojo_core/mojo_api.c -ldl -lpthread

# ---- dependencies, tests, demo ---------------------------------------------

deps:
	scripts/deps.sh

check: deps
	$(MAKE) userspace lint
	scripts/install-test.sh
	$(MAKE) dkms-check deb
	scripts/check.sh $(KERNELS)

demo: deps
	$(MAKE) userspace
	scripts/vm.sh demo $(KERNEL)

bench: deps
	$(MAKE) userspace
	scripts/vm.sh bench $(KERNEL)

# make fuzz [KERNEL=6.1|6.12|debug] [MODE=model,chaos,storm|both|all]
#           [SEEDS=1,2,5-9 | SEED=n] [OPS=n] [SECONDS=n] [TRACE=op]
#           [FAULTS=percent] [MEMCG=memory.max]: one VM boot, one summary line.
fuzz: deps
	$(MAKE) userspace
	$(if $(FAULTS),MOJO_FUZZ_FAULTS=$(FAULTS)) $(if $(MEMCG),MOJO_FUZZ_MEMCG=$(MEMCG)) \
	MOJO_FUZZ_ARGS="--mode $(or $(MODE),both) --seeds $(or $(SEED),$(SEEDS),1) \
		$(if $(OPS),--ops $(OPS),$(if $(SECONDS),--ops 0)) \
		$(if $(SECONDS),--seconds $(SECONDS)) $(if $(TRACE),--trace-from $(TRACE))" \
		scripts/vm.sh fuzz $(KERNEL)

# make coverage [MOJO_COVERAGE_MIN=90]: make check's debug run (selftests
# and its bounded fuzz) with the module built for the kernel's gcov.
coverage: deps
	$(MAKE) userspace
	scripts/coverage.sh

$(LINT_STAMP): $(KSRC_TARBALL)
	@mkdir -p $(@D)
	tar -xJf $< -C $(@D) --strip-components=2 \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	@touch $@

# MACRO_ARG_REUSE: MOJO_FIELD() (module/ops.h) names a struct member twice,
# for offsetof() and sizeof_field(); a member name has no side effects.
lint: $(LINT_STAMP)
	$(B)/checkpatch/checkpatch.pl --strict --no-tree --terse --show-types \
		--ignore FILE_PATH_CHANGES,MACRO_ARG_REUSE \
		-f $(wildcard module/*.c module/*.h uapi/linux/*.h)
	scripts/man-lint.sh

# ---- install on a real host -------------------------------------------------

install: install-module install-lib install-tools

# Distribution headers carry no signing key: install unsigned unless the
# tree has its own key (the kernel loads it, tainted, without lockdown).
MOD_SIGN	= $(if $(wildcard $(KDIR)/certs/signing_key.pem),,CONFIG_MODULE_SIG_ALL=)

# INSTALL_MODULE=no: everything but the module (debian/rules; the
# mojoports-dkms package builds the module on the target host).
ifeq ($(INSTALL_MODULE),no)
install-module: ;
else
install-module: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) $(MOD_SIGN) modules_install
	depmod -a $(if $(DESTDIR),-b $(DESTDIR)) $$(cat $(KDIR)/include/config/kernel.release)
endif

# libmojo_core.so is a plugin Mojo programs dlopen() by path (README), so
# it lives in a directory of its own, not on the linker's path.
install-lib: lib $(MOJO_CORE_LIB) install-man
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(LIBDIR)/mojoports \
		$(DESTDIR)$(PREFIX)/include/linux
	install -m 0644 $(B)/lib/libmojoports.a $(DESTDIR)$(LIBDIR)/
	install -m 0755 $(MOJO_CORE_LIB) $(DESTDIR)$(LIBDIR)/mojoports/
	install -m 0755 $(B)/lib/libmojoports.so.$(LIBVER) $(DESTDIR)$(LIBDIR)/
	ln -sf libmojoports.so.$(LIBVER) $(DESTDIR)$(LIBDIR)/libmojoports.so
	install -m 0644 userspace/include/mojoports.h $(DESTDIR)$(PREFIX)/include/
	install -m 0644 uapi/linux/mojoports.h $(DESTDIR)$(PREFIX)/include/linux/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
		userspace/mojoports.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/mojoports.pc
	-[ -n "$(DESTDIR)" ] || ldconfig

# The manual, uncompressed (a distribution's packaging compresses it);
# links stay ".so" pages.
MAN_DIRS	:= $(notdir $(wildcard userspace/man/man*))

install-man:
	for d in $(MAN_DIRS); do \
		install -d $(DESTDIR)$(PREFIX)/share/man/$$d && \
		install -m 0644 userspace/man/$$d/* $(DESTDIR)$(PREFIX)/share/man/$$d/ || exit 1; \
	done

# mojofuzz doubles as a self-test of an installed module (README), off
# the PATH.
install-tools: $(TOOLS) $(FUZZER)
	install -d $(DESTDIR)$(PREFIX)/libexec/mojoports
	install -m 0755 $(FUZZER) $(DESTDIR)$(PREFIX)/libexec/mojoports/
	$(if $(TOOLS),install -d $(DESTDIR)$(PREFIX)/bin)
	$(if $(TOOLS),install -m 0755 $(TOOLS) $(DESTDIR)$(PREFIX)/bin/)

# ---- packaging --------------------------------------------------------------

# The module's sources as DKMS builds them: /usr/src/mojoports-<version>/.
DKMS_SRC	= $(DESTDIR)/usr/src/mojoports-$(VERSION)

install-dkms-src:
	install -d $(DKMS_SRC)/module $(DKMS_SRC)/uapi/linux
	install -m 0644 Kbuild dkms.conf $(DKMS_SRC)/
	install -m 0644 $(wildcard module/*.c module/*.h) $(DKMS_SRC)/module/
	install -m 0644 uapi/linux/mojoports.h $(DKMS_SRC)/uapi/linux/

# dkms add/build/install for every matrix kernel's headers, in a scratch
# DKMS tree (scripts/dkms-check.sh).
dkms-check:
	scripts/dkms-check.sh $(VERSION)

# The Debian packages into $(B)/deb/, lintian, then a build against them
# unpacked in a scratch root (scripts/deb.sh).
deb:
	scripts/deb.sh $(VERSION)

clean:
	-[ ! -d $(KDIR) ] || $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(B)

# For scripts: the kernel tree a plain `make` builds against.
print-kdir:
	@echo $(KDIR)

print-version:
	@echo $(VERSION)
